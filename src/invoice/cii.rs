//! The invoice as UN/CEFACT Cross Industry Invoice XML (D16B), profile EN 16931 of Factur-X: the
//! machine-readable twin embedded in the PDF, and downloadable alone.
//!
//! Elements follow the order of the Factur-X XSD; the business rules of EN 16931 that the
//! schematron checks hold by construction: the legal identifier of the seller (BR-CO-26), the
//! exemption reason of category `E` (BR-E-10), one VAT total per category and rate whose amount is
//! the base × the rate rounded once (BR-CO-17), totals that add up (BR-CO-10 to 16), a due date
//! while something is due (BR-CO-25), the preceding invoice of a credit note.

use crate::text::escape as esc;
use std::fmt::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::invoice::{Document, EXEMPTION_CODE, EXEMPTION_REASON, Kind, Party, Vat};

/// The Factur-X profile (the XMP's conformance level).
pub const CONFORMANCE_LEVEL: &str = "EN 16931";
/// The embedded file's name, as Factur-X asks.
pub const FILE_NAME: &str = "factur-x.xml";

fn amount(d: Decimal) -> String {
    format!("{:.2}", crate::money::cents(d))
}

fn number(d: Decimal) -> String {
    let n = d.normalize();
    if n.scale() == 0 { format!("{n}") } else { n.to_string() }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn rate(v: &Vat) -> String {
    number(v.rate)
}

fn party(out: &mut String, tag: &str, p: &Party, tax: Option<(&str, &str)>) {
    let _ = write!(out, "<ram:{tag}><ram:Name>{}</ram:Name>", esc(&p.name));
    if p.siren.len() == 9 {
        // 0002: the SIRENE register (ISO 6523 identifier of France's companies).
        let _ = write!(
            out,
            "<ram:SpecifiedLegalOrganization><ram:ID schemeID=\"0002\">{}</ram:ID></ram:SpecifiedLegalOrganization>",
            p.siren
        );
    }
    out.push_str("<ram:PostalTradeAddress>");
    if !p.postal_code.trim().is_empty() {
        let _ = write!(out, "<ram:PostcodeCode>{}</ram:PostcodeCode>", esc(p.postal_code.trim()));
    }
    if !p.address.trim().is_empty() {
        let _ = write!(out, "<ram:LineOne>{}</ram:LineOne>", esc(p.address.trim()));
    }
    if !p.city.trim().is_empty() {
        let _ = write!(out, "<ram:CityName>{}</ram:CityName>", esc(p.city.trim()));
    }
    let country = if p.country.is_empty() { "FR" } else { &p.country };
    let _ = write!(out, "<ram:CountryID>{country}</ram:CountryID></ram:PostalTradeAddress>");
    if !p.email.trim().is_empty() {
        let _ = write!(
            out,
            "<ram:URIUniversalCommunication><ram:URIID schemeID=\"EM\">{}</ram:URIID></ram:URIUniversalCommunication>",
            esc(p.email.trim())
        );
    }
    if let Some((scheme, id)) = tax {
        let _ = write!(
            out,
            "<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"{scheme}\">{}</ram:ID></ram:SpecifiedTaxRegistration>",
            esc(id)
        );
    }
    let _ = write!(out, "</ram:{tag}>");
}

fn tax(out: &mut String, v: &Vat) {
    let _ = write!(
        out,
        "<ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>{}</ram:CategoryCode><ram:RateApplicablePercent>{}</ram:RateApplicablePercent></ram:ApplicableTradeTax>",
        v.code,
        rate(v)
    );
}

/// The CII XML of an issued invoice or credit note.
pub fn xml(d: &Document) -> String {
    let mut out = String::with_capacity(8192);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rsm:CrossIndustryInvoice \
         xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" \
         xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" \
         xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" \
         xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\">",
    );
    out.push_str(
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID>\
         </ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>",
    );
    let _ = write!(
        out,
        "<rsm:ExchangedDocument><ram:ID>{}</ram:ID><ram:TypeCode>{}</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:IssueDateTime>",
        esc(&d.number),
        d.kind.type_code(),
        date(d.issue_date)
    );
    for n in &d.notes {
        let _ = write!(
            out,
            "<ram:IncludedNote><ram:Content>{}</ram:Content><ram:SubjectCode>{}</ram:SubjectCode></ram:IncludedNote>",
            esc(&n.text),
            n.subject
        );
    }
    let _ = write!(
        out,
        "<ram:IncludedNote><ram:Content>{}</ram:Content><ram:SubjectCode>REG</ram:SubjectCode></ram:IncludedNote>",
        esc(&format!(
            "{}{}. Catégorie d'opération : {}.",
            d.seller.party.name,
            if d.seller.nda.is_empty() {
                String::new()
            } else {
                format!(
                    ", déclaration d'activité n° {} (cet enregistrement ne vaut pas agrément de l'État)",
                    d.seller.nda
                )
            },
            d.operation
        ))
    );
    out.push_str("</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>");
    for (i, l) in d.lines.iter().enumerate() {
        let _ = write!(
            out,
            "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{}</ram:LineID></ram:AssociatedDocumentLineDocument>\
             <ram:SpecifiedTradeProduct><ram:Name>{}</ram:Name>{}</ram:SpecifiedTradeProduct>\
             <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>\
             <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode=\"{}\">{}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>\
             <ram:SpecifiedLineTradeSettlement>",
            i + 1,
            esc(&l.label),
            if l.detail.trim().is_empty() {
                String::new()
            } else {
                format!("<ram:Description>{}</ram:Description>", esc(l.detail.trim()))
            },
            number(l.unit_price),
            l.unit_code,
            number(l.quantity)
        );
        tax(&mut out, &l.vat);
        if !l.discount.is_zero() {
            let _ = write!(
                out,
                "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>\
                 <ram:ActualAmount>{}</ram:ActualAmount><ram:Reason>Remise</ram:Reason></ram:SpecifiedTradeAllowanceCharge>",
                amount(l.discount)
            );
        }
        let _ = write!(
            out,
            "<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>\
             </ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>",
            amount(l.amount)
        );
    }
    // The agreement: who sells, who buys, the references.
    out.push_str("<ram:ApplicableHeaderTradeAgreement>");
    let s = &d.seller.party;
    let seller_tax = if !s.vat_number.is_empty() {
        Some(("VA", s.vat_number.as_str()))
    } else if !s.siren.is_empty() {
        // Without a VAT number (training exempt from VAT), the seller's tax registration: its SIREN.
        Some(("FC", s.siren.as_str()))
    } else {
        None
    };
    party(&mut out, "SellerTradeParty", s, seller_tax);
    party(&mut out, "BuyerTradeParty", &d.buyer, None);
    if let Some(f) = &d.opco_file {
        let _ = write!(
            out,
            "<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>",
            esc(f)
        );
    }
    if let Some(c) = d.convention_number.as_ref().or(d.quote_number.as_ref()) {
        let _ = write!(
            out,
            "<ram:ContractReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID></ram:ContractReferencedDocument>",
            esc(c)
        );
    }
    out.push_str("</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery>");
    if let Some(p) = &d.delivery {
        let _ = write!(out, "<ram:ShipToTradeParty><ram:Name>{}</ram:Name><ram:PostalTradeAddress>", esc(&p.name));
        if !p.postal_code.is_empty() {
            let _ = write!(out, "<ram:PostcodeCode>{}</ram:PostcodeCode>", esc(&p.postal_code));
        }
        if !p.address.is_empty() {
            let _ = write!(out, "<ram:LineOne>{}</ram:LineOne>", esc(&p.address));
        }
        if !p.city.is_empty() {
            let _ = write!(out, "<ram:CityName>{}</ram:CityName>", esc(&p.city));
        }
        out.push_str("<ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress></ram:ShipToTradeParty>");
    }
    out.push_str("</ram:ApplicableHeaderTradeDelivery><ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>");
    if !d.seller.iban.is_empty() && d.kind != Kind::Credit {
        // 58: SEPA credit transfer.
        let _ = write!(
            out,
            "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>{}</ram:SpecifiedTradeSettlementPaymentMeans>",
            esc(&d.seller.iban.replace(' ', "")),
            if d.seller.bic.is_empty() {
                String::new()
            } else {
                format!(
                    "<ram:PayeeSpecifiedCreditorFinancialInstitution><ram:BICID>{}</ram:BICID></ram:PayeeSpecifiedCreditorFinancialInstitution>",
                    esc(&d.seller.bic)
                )
            }
        );
    }
    for g in &d.totals.vat_totals {
        let exempt = g.vat.is_exempt();
        let _ = write!(
            out,
            "<ram:ApplicableTradeTax><ram:CalculatedAmount>{}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>{}<ram:BasisAmount>{}</ram:BasisAmount><ram:CategoryCode>{}</ram:CategoryCode>{}{}<ram:RateApplicablePercent>{}</ram:RateApplicablePercent></ram:ApplicableTradeTax>",
            amount(g.amount),
            if exempt {
                format!("<ram:ExemptionReason>{}</ram:ExemptionReason>", esc(EXEMPTION_REASON))
            } else {
                String::new()
            },
            amount(g.base),
            g.vat.code,
            if exempt {
                format!("<ram:ExemptionReasonCode>{EXEMPTION_CODE}</ram:ExemptionReasonCode>")
            } else {
                String::new()
            },
            // The VAT on services is due when paid, unless the seller opted for debits (5: the invoice's date).
            if exempt {
                String::new()
            } else if d.seller.vat_on_debits {
                "<ram:DueDateTypeCode>5</ram:DueDateTypeCode>".into()
            } else {
                "<ram:DueDateTypeCode>72</ram:DueDateTypeCode>".into()
            },
            rate(&g.vat)
        );
    }
    if let (Some(a), Some(b)) = (d.period_start, d.period_end) {
        let _ = write!(
            out,
            "<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:StartDateTime>\
             <ram:EndDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:EndDateTime></ram:BillingSpecifiedPeriod>",
            date(a),
            date(b.max(a))
        );
    }
    for a in &d.allowances {
        let _ = write!(
            out,
            "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>\
             <ram:ActualAmount>{}</ram:ActualAmount><ram:Reason>{}</ram:Reason><ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode>\
             <ram:CategoryCode>{}</ram:CategoryCode><ram:RateApplicablePercent>{}</ram:RateApplicablePercent></ram:CategoryTradeTax></ram:SpecifiedTradeAllowanceCharge>",
            amount(a.amount),
            esc(&a.reason),
            a.vat.code,
            rate(&a.vat)
        );
    }
    let _ = write!(
        out,
        "<ram:SpecifiedTradePaymentTerms><ram:Description>{}</ram:Description><ram:DueDateDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>",
        esc(&d.payment_terms),
        date(d.due_date)
    );
    let t = &d.totals;
    let _ = write!(
        out,
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>{}</ram:LineTotalAmount>{}<ram:TaxBasisTotalAmount>{}</ram:TaxBasisTotalAmount>\
         <ram:TaxTotalAmount currencyID=\"EUR\">{}</ram:TaxTotalAmount><ram:GrandTotalAmount>{}</ram:GrandTotalAmount>\
         <ram:DuePayableAmount>{}</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        amount(t.lines),
        if d.allowances.is_empty() {
            String::new()
        } else {
            format!("<ram:AllowanceTotalAmount>{}</ram:AllowanceTotalAmount>", amount(t.allowances))
        },
        amount(t.ht),
        amount(t.vat),
        amount(t.ttc),
        amount(t.ttc)
    );
    if let (Some(n), Some(when)) = (&d.credited_number, d.credited_date) {
        let _ = write!(
            out,
            "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID><ram:FormattedIssueDateTime><qdt:DateTimeString format=\"102\">{}</qdt:DateTimeString></ram:FormattedIssueDateTime></ram:InvoiceReferencedDocument>",
            esc(n),
            date(when)
        );
    }
    out.push_str(
        "</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>\n",
    );
    out
}

/// The Factur-X properties of the PDF's XMP metadata, and their PDF/A extension schema.
pub fn xmp() -> acunum_pdf::XmpExtra {
    let ns = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";
    let property = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>\
             <pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    acunum_pdf::XmpExtra {
        description: format!(
            "<rdf:Description rdf:about=\"\" xmlns:fx=\"{ns}\"><fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>{FILE_NAME}</fx:DocumentFileName>\
             <fx:Version>1.0</fx:Version><fx:ConformanceLevel>{CONFORMANCE_LEVEL}</fx:ConformanceLevel></rdf:Description>"
        ),
        schema: format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\
             <pdfaSchema:namespaceURI>{ns}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>{}{}{}{}</rdf:Seq></pdfaSchema:property></rdf:li>",
            property("DocumentFileName", "name of the embedded XML invoice file"),
            property("DocumentType", "INVOICE"),
            property("Version", "The actual version of the Factur-X XML schema"),
            property("ConformanceLevel", "The conformance level of the embedded Factur-X data"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(esc("R&D <b> « l'été »\u{7}"), "R&amp;D &lt;b&gt; « l'été » ");
        assert_eq!(number("4.0000".parse().unwrap()), "4");
        assert_eq!(number("0.6030".parse().unwrap()), "0.603");
        assert_eq!(amount("1100".parse().unwrap()), "1100.00");
    }
}
