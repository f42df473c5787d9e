//! The Fichier des Écritures Comptables (LPF, article A47 A-1): the year's invoices, credit notes and
//! payments as balanced accounting entries, the 18 columns in their order, separated by tabs, dates
//! as AAAAMMJJ, amounts with a decimal comma.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::invoice::store::{Billing, Invoice, Payment};
use crate::invoice::{Kind, Payer};
use crate::money::fec_amount;

/// The columns, in the order the LPF gives them.
pub const COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// One line of an entry.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryLine {
    pub journal: &'static str,
    pub journal_label: &'static str,
    pub number: String,
    pub date: NaiveDate,
    pub account: String,
    pub account_label: String,
    pub aux: String,
    pub aux_label: String,
    pub piece: String,
    pub piece_date: NaiveDate,
    pub label: String,
    pub debit: Decimal,
    pub credit: Decimal,
}

/// The auxiliary account of a payer: the client, or the OPCO (by name).
pub fn aux_of(i: &Invoice) -> (String, String) {
    match i.payer {
        Payer::Client => (format!("C{:06}", i.client_id), i.buyer_name.clone()),
        Payer::Opco => {
            let key: String = crate::text::search_key(&i.buyer_name)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(10)
                .collect::<String>()
                .to_uppercase();
            (format!("O{key}"), i.buyer_name.clone())
        }
    }
}

fn clean(s: &str) -> String {
    // No tab nor line break inside a field of a tab-separated file.
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The entries of the invoices issued and the payments received in `year`: one balanced entry per
/// invoice (client debited incl. VAT; sales and VAT collected credited), per credit note (the
/// reverse), per payment (bank debited, client credited).
pub fn entries(invoices: &[Invoice], payments: &[Payment], b: &Billing, year: i32) -> Vec<EntryLine> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let mut n = 0;
    for i in invoices.iter().filter(|i| i.issue_date.year() == year) {
        n += 1;
        let number = format!("VE{n:06}");
        let (aux, aux_label) = aux_of(i);
        let credit_note = i.kind == Kind::Credit;
        let label = clean(&format!("{} {} {}", i.kind.label(), i.number, i.buyer_name));
        let line =
            |account: &str, account_label: &str, aux: &str, aux_label: &str, amount: Decimal, debit_side: bool| {
                let debit_side = debit_side != credit_note;
                EntryLine {
                    journal: "VE",
                    journal_label: "Ventes",
                    number: number.clone(),
                    date: i.issue_date,
                    account: account.to_string(),
                    account_label: account_label.to_string(),
                    aux: aux.to_string(),
                    aux_label: clean(aux_label),
                    piece: i.number.clone(),
                    piece_date: i.issue_date,
                    label: label.clone(),
                    debit: if debit_side { amount } else { Decimal::ZERO },
                    credit: if debit_side { Decimal::ZERO } else { amount },
                }
            };
        out.push(line(&b.account_clients, "Clients", &aux, &aux_label, i.total_ttc, true));
        for g in &i.document.totals.vat_totals {
            if !g.base.is_zero() {
                let what = if g.vat.is_exempt() {
                    "Prestations de formation exonérées".to_string()
                } else {
                    format!("Prestations de services TVA {}", g.vat.label())
                };
                out.push(line(&b.account_sales, &what, "", "", g.base, false));
            }
            if !g.amount.is_zero() {
                out.push(line(&b.account_vat, "TVA collectée", "", "", g.amount, false));
            }
        }
    }
    let mut k = 0;
    for p in payments.iter().filter(|p| p.cancelled_at.is_none() && p.paid_on.year() == year) {
        let Some(i) = invoices.iter().find(|i| i.id == p.invoice_id) else { continue };
        k += 1;
        let number = format!("BQ{k:06}");
        let (aux, aux_label) = aux_of(i);
        let label = clean(&format!("Règlement {} {} ({})", i.number, i.buyer_name, p.means));
        let base = EntryLine {
            journal: "BQ",
            journal_label: "Banque",
            number: number.clone(),
            date: p.paid_on,
            account: b.account_bank.clone(),
            account_label: "Banque".into(),
            aux: String::new(),
            aux_label: String::new(),
            piece: if p.reference.is_empty() { i.number.clone() } else { clean(&p.reference) },
            piece_date: p.paid_on,
            label,
            debit: p.amount,
            credit: Decimal::ZERO,
        };
        out.push(EntryLine {
            account: b.account_clients.clone(),
            account_label: "Clients".into(),
            aux,
            aux_label: clean(&aux_label),
            debit: Decimal::ZERO,
            credit: p.amount,
            ..base.clone()
        });
        out.push(base);
    }
    out
}

/// The FEC file: the header, then one line per entry line.
pub fn file(lines: &[EntryLine]) -> String {
    let d = |x: NaiveDate| x.format("%Y%m%d").to_string();
    let mut out = COLUMNS.join("\t");
    out.push_str("\r\n");
    for l in lines {
        let fields = [
            l.journal.to_string(),
            l.journal_label.to_string(),
            l.number.clone(),
            d(l.date),
            l.account.clone(),
            l.account_label.clone(),
            l.aux.clone(),
            l.aux_label.clone(),
            l.piece.clone(),
            d(l.piece_date),
            l.label.clone(),
            fec_amount(l.debit),
            fec_amount(l.credit),
            String::new(),
            String::new(),
            d(l.date),
            String::new(),
            String::new(),
        ];
        out.push_str(&fields.join("\t"));
        out.push_str("\r\n");
    }
    out
}

/// The FEC's file name: SIREN, « FEC », the closing date of the year.
pub fn file_name(siren: &str, year: i32) -> String {
    format!("{}FEC{year}1231.txt", if siren.is_empty() { "000000000" } else { siren })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_has_the_eighteen_columns_in_their_order() {
        let f = file(&[]);
        assert_eq!(f.lines().next().unwrap().split('\t').count(), 18);
        assert!(f.starts_with("JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum"));
        assert!(f.trim_end().ends_with("Montantdevise\tIdevise"));
        assert_eq!(file_name("732829320", 2027), "732829320FEC20271231.txt");
        assert_eq!(clean("a\tb\nc"), "a b c");
    }
}
