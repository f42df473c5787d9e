//! Markdown typed by users (CVs, notes) rendered to HTML that is safe to show: pulldown-cmark, then
//! ammonia's allow-list (no scripts, no event handlers, no `javascript:` links, `rel=noopener` added).

/// Renders Markdown to sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(
        markdown,
        pulldown_cmark::Options::ENABLE_STRIKETHROUGH | pulldown_cmark::Options::ENABLE_TABLES,
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html("**Médiatrice** depuis 2012\n\n- EPN\n- Fablab");
        assert!(html.contains("<strong>Médiatrice</strong>"));
        assert!(html.contains("<li>EPN</li>"));
    }

    #[test]
    fn scripts_and_javascript_links_are_removed() {
        let html = to_safe_html(
            "<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](https://exemple.fr)",
        );
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("href=\"javascript"));
        assert!(html.contains("href=\"https://exemple.fr\" rel=\"noopener noreferrer nofollow\""));
    }
}
