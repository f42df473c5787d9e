//! Images that come from outside (an organisation's logo, a drawn signature) before anything else
//! sees them: their size is read from their header, they are decoded under pixel and memory limits,
//! made small, and kept as a fresh PNG. A 16000 × 16000 "image bomb" of 1 MB is refused before a
//! single pixel is decoded, and what reaches a PDF is never bigger than a page needs.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// What one kind of image may be.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Refused beyond this many pixels (width × height), read from the header.
    pub max_pixels: u64,
    /// Refused beyond this width or height.
    pub max_side: u32,
    /// Made to fit this box (aspect kept) when larger.
    pub fit_width: u32,
    pub fit_height: u32,
    /// Formats accepted, told by the file's first bytes.
    pub formats: &'static [ImageFormat],
}

/// A logo: PNG or JPEG, up to 25 megapixels sent, kept within 800 × 800.
pub const LOGO: Spec = Spec {
    max_pixels: 25_000_000,
    max_side: 10_000,
    fit_width: 800,
    fit_height: 800,
    formats: &[ImageFormat::Png, ImageFormat::Jpeg],
};

/// A signature drawn on a canvas (a phone's screen at its pixel ratio), kept within 600 × 300.
pub const SIGNATURE: Spec =
    Spec { max_pixels: 8_000_000, max_side: 4_000, fit_width: 600, fit_height: 300, formats: &[ImageFormat::Png] };

/// The most memory a decoder may take.
const MAX_ALLOC: u64 = 128 * 1024 * 1024;

/// Why an image is refused, in French.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub &'static str);

fn reader<'a>(bytes: &'a [u8], spec: &Spec) -> Result<ImageReader<Cursor<&'a [u8]>>, Refused> {
    let r =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| Refused("L'image est illisible."))?;
    match r.format() {
        Some(f) if spec.formats.contains(&f) => Ok(r),
        _ if spec.formats.len() == 1 => Err(Refused("L'image doit être au format PNG.")),
        _ => Err(Refused("L'image doit être au format PNG ou JPEG.")),
    }
}

/// The image's size from its header only (nothing decoded), when within the spec's limits.
pub fn check_size(bytes: &[u8], spec: &Spec) -> Result<(u32, u32), Refused> {
    let (w, h) = reader(bytes, spec)?.into_dimensions().map_err(|_| Refused("L'image est illisible."))?;
    if w == 0 || h == 0 {
        return Err(Refused("L'image est vide."));
    }
    if w > spec.max_side || h > spec.max_side || u64::from(w) * u64::from(h) > spec.max_pixels {
        return Err(Refused("L'image est trop grande (en pixels) : réduisez-la avant de l'envoyer."));
    }
    Ok((w, h))
}

/// Decodes under limits, fits the image in the spec's box, and writes it again as PNG.
pub fn normalize(bytes: &[u8], spec: &Spec) -> Result<Vec<u8>, Refused> {
    check_size(bytes, spec)?;
    let mut r = reader(bytes, spec)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(spec.max_side);
    limits.max_image_height = Some(spec.max_side);
    limits.max_alloc = Some(MAX_ALLOC);
    r.limits(limits);
    let img = r.decode().map_err(|_| Refused("L'image est illisible ou trop lourde à décoder."))?;
    let img = if img.width() > spec.fit_width || img.height() > spec.fit_height {
        img.resize(spec.fit_width, spec.fit_height, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).map_err(|_| Refused("L'image n'a pas pu être enregistrée."))?;
    Ok(out.into_inner())
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A PNG of `w` × `h` pixels, for tests.
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([20, 40, 200, 255]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(img).write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// A PNG whose header claims `w` × `h` pixels, with no pixel data: a bomb's first bytes.
    pub fn bomb_header(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &[]), (b"IEND", &[])] {
            let mut chunk = kind.to_vec();
            chunk.extend_from_slice(data);
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(&chunk);
            out.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn a_small_image_is_kept_and_a_large_one_made_small() {
        let small = normalize(&png(40, 20), &SIGNATURE).unwrap();
        assert_eq!(check_size(&small, &SIGNATURE).unwrap(), (40, 20));
        let big = normalize(&png(1800, 600), &SIGNATURE).unwrap();
        assert_eq!(check_size(&big, &SIGNATURE).unwrap(), (600, 200));
    }

    #[test]
    fn a_bomb_is_refused_from_its_header() {
        let bomb = bomb_header(16_000, 16_000);
        assert!(check_size(&bomb, &LOGO).unwrap_err().0.contains("trop grande"));
        assert!(normalize(&bomb, &LOGO).is_err());
        assert!(normalize(&bomb_header(12_000, 12_000), &SIGNATURE).is_err());
        // Within the pixel count but a header with no data: unreadable, not a panic.
        assert!(normalize(&bomb_header(100, 100), &SIGNATURE).is_err());
    }

    #[test]
    fn other_formats_and_garbage_are_refused() {
        assert!(normalize(b"<svg onload=alert(1)>", &LOGO).unwrap_err().0.contains("PNG ou JPEG"));
        assert!(normalize(b"GIF89a....", &SIGNATURE).unwrap_err().0.contains("PNG"));
        assert!(normalize(b"\x89PNG\r\n\x1a\nabc", &SIGNATURE).is_err());
        assert!(normalize(b"", &LOGO).is_err());
    }
}
