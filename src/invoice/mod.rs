//! Invoices, credit notes and payments, from the accepted quote to the accounting export and the BPF.
//!
//! An invoice is made from an accepted quote (its convention): deposit invoices per the payment
//! terms, the final invoice after the training (from the convention, or from the hours actually
//! attended), and under OPCO subrogation the OPCO's share invoiced to the OPCO, the rest to the
//! client. Once issued, an invoice is never edited nor deleted: a credit note (avoir) corrects or
//! cancels it. Numbers are chronological and without gaps per organisation and year (one series
//! for invoices, one for credit notes).
//!
//! The document is computed here, as pure functions: lines and document-level allowances
//! (deposits already invoiced, the OPCO's share) grouped by VAT category, the VAT of each group
//! rounded once (EN 16931, BR-CO-17, the rule of [`crate::money`]), totals that add up as printed.
//! It is stored whole when issued and printed from there as a Factur-X PDF (PDF/A-3 carrying its
//! EN 16931 CII XML, see [`cii`]).

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cii;
pub mod documents;
pub mod fec;
pub mod service;
pub mod store;
pub mod web;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::cents;

/// What an invoice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = InvoiceKind)]
pub enum Kind {
    /// Facture d'acompte, at the signature of the convention.
    Deposit,
    /// The invoice of the training, after it took place (deposits deducted).
    Final,
    /// The OPCO's share under subrogation, invoiced to the OPCO.
    Opco,
    /// A credit note (avoir), which corrects or cancels an invoice.
    Credit,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Deposit, Kind::Final, Kind::Opco, Kind::Credit];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deposit => "deposit",
            Kind::Final => "final",
            Kind::Opco => "opco",
            Kind::Credit => "credit",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Deposit => "Facture d'acompte",
            Kind::Final => "Facture",
            Kind::Opco => "Facture (part OPCO, subrogation)",
            Kind::Credit => "Avoir",
        }
    }

    /// The document's type code (UNTDID 1001, as EN 16931 reads it).
    pub fn type_code(self) -> &'static str {
        match self {
            Kind::Deposit => "386",
            Kind::Final | Kind::Opco => "380",
            Kind::Credit => "381",
        }
    }

    /// The prefix of its number: invoices share one series, credit notes have theirs.
    pub fn series(self) -> &'static str {
        if self == Kind::Credit { "AV" } else { "FA" }
    }
}

/// Who pays an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Client,
    Opco,
}

/// The VAT category of an amount (EN 16931: `S` standard rate, `E` exempt).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vat {
    /// `S` or `E`.
    pub code: String,
    /// In percent (0 when exempt).
    #[schema(value_type = String)]
    pub rate: Decimal,
}

/// The mention and the reason of the exemption of professional training (CGI, art. 261-4-4° a).
pub const EXEMPTION_REASON: &str = "Exonération de TVA, article 261-4-4° a du CGI";
/// The code of that reason (VATEX list of the CEF; « Exempt based on article 132 of Council Directive
/// 2006/112/EC », whose 1 (i) is vocational training).
pub const EXEMPTION_CODE: &str = "VATEX-EU-132";

impl Vat {
    pub fn of(rate: Decimal, exempt: bool) -> Vat {
        if exempt { Vat { code: "E".into(), rate: Decimal::ZERO } } else { Vat { code: "S".into(), rate } }
    }
    pub fn is_exempt(&self) -> bool {
        self.code == "E"
    }
    pub fn label(&self) -> String {
        if self.is_exempt() { "exonéré".into() } else { format!("{} %", crate::fr::decimal(self.rate)) }
    }
}

/// A line of an invoice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvoiceLine {
    pub label: String,
    pub detail: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The unit in words ("jours", "km").
    pub unit: String,
    /// The unit's code (UN/ECE Recommendation 20: `DAY`, `HUR`, `KMT`, `C62`…).
    pub unit_code: String,
    /// Net unit price excl. VAT, with the precision it was typed with.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// Quantity × unit price, rounded to the cent, minus the line's discount.
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub discount: Decimal,
    pub vat: Vat,
    /// A training or a cost of the training (the BPF's revenue).
    pub training: bool,
}

/// An amount deducted from the whole document (a deposit already invoiced, the OPCO's share).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Allowance {
    pub reason: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub vat: Vat,
    pub training: bool,
}

/// The VAT of one category and rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VatTotal {
    pub vat: Vat,
    #[schema(value_type = String)]
    pub base: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// What an invoice adds up to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Totals {
    /// Sum of the lines (BT-106).
    #[schema(value_type = String)]
    pub lines: Decimal,
    /// Sum of the allowances (BT-107).
    #[schema(value_type = String)]
    pub allowances: Decimal,
    /// Lines minus allowances (BT-109).
    #[schema(value_type = String)]
    pub ht: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    /// BT-112.
    #[schema(value_type = String)]
    pub ttc: Decimal,
    pub vat_totals: Vec<VatTotal>,
    /// The part of the excl.-VAT total that is training (the BPF's revenue).
    #[schema(value_type = String)]
    pub training: Decimal,
}

/// Adds an invoice up: the VAT of each category is its base × its rate, rounded once.
pub fn totals(lines: &[InvoiceLine], allowances: &[Allowance]) -> Totals {
    let mut vat_totals: Vec<VatTotal> = Vec::new();
    let mut add = |vat: &Vat, amount: Decimal| match vat_totals.iter_mut().find(|g| g.vat == *vat) {
        Some(g) => g.base += amount,
        None => vat_totals.push(VatTotal { vat: vat.clone(), base: amount, amount: Decimal::ZERO }),
    };
    for l in lines {
        add(&l.vat, l.amount);
    }
    for a in allowances {
        add(&a.vat, -a.amount);
    }
    for g in &mut vat_totals {
        g.amount = cents(g.base * g.vat.rate / Decimal::from(100));
    }
    let lines_total: Decimal = lines.iter().map(|l| l.amount).sum();
    let allowances_total: Decimal = allowances.iter().map(|a| a.amount).sum();
    let vat: Decimal = vat_totals.iter().map(|g| g.amount).sum();
    let training = lines.iter().filter(|l| l.training).map(|l| l.amount).sum::<Decimal>()
        - allowances.iter().filter(|a| a.training).map(|a| a.amount).sum::<Decimal>();
    Totals {
        lines: lines_total,
        allowances: allowances_total,
        ht: lines_total - allowances_total,
        vat,
        ttc: lines_total - allowances_total + vat,
        vat_totals,
        training,
    }
}

/// A party of an invoice, as it was when the invoice was issued.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    pub name: String,
    /// SIREN (9 digits), the legal identifier the e-invoicing reform asks for.
    pub siren: String,
    pub siret: String,
    pub vat_number: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub email: String,
}

impl Party {
    pub fn address_line(&self) -> String {
        [self.address.trim(), format!("{} {}", self.postal_code.trim(), self.city.trim()).trim()]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The SIREN of a SIRET (its first nine digits), or of a SIREN.
pub fn siren_of(siret: &str) -> String {
    let digits: String = siret.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() >= 9 { digits[..9].to_string() } else { String::new() }
}

/// The seller's part of the document: identity, legal mentions, payment details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Seller {
    pub party: Party,
    /// Numéro de déclaration d'activité.
    pub nda: String,
    pub iban: String,
    pub bic: String,
    /// VAT is paid on debits (option of CGI art. 269-2-c): said on the invoice.
    pub vat_on_debits: bool,
}

/// A note of the invoice (EN 16931 BG-1), with its subject code (UNTDID 4451).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = InvoiceNote)]
pub struct Note {
    /// `PMD` (penalties), `PMT` (recovery indemnity), `AAB` (discount), `REG` (regulatory), `TXD` (tax).
    pub subject: String,
    pub text: String,
}

/// An invoice as issued: everything printed and everything exported, fixed on the day it is issued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Document {
    pub kind: Kind,
    pub number: String,
    #[schema(value_type = String, format = Date)]
    pub issue_date: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub due_date: NaiveDate,
    pub seller: Seller,
    pub buyer: Party,
    /// Where the service was delivered, when not at the buyer's address.
    pub delivery: Option<Party>,
    /// Category of operation (the reform's mention): services.
    pub operation: String,
    pub title: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub period_start: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub period_end: Option<NaiveDate>,
    pub quote_number: Option<String>,
    pub convention_number: Option<String>,
    /// The OPCO's prise en charge (dossier) number, on its invoice.
    pub opco_file: Option<String>,
    /// For a credit note: the invoice it corrects.
    pub credited_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub credited_date: Option<NaiveDate>,
    pub lines: Vec<InvoiceLine>,
    pub allowances: Vec<Allowance>,
    pub totals: Totals,
    pub payment_terms: String,
    pub notes: Vec<Note>,
}

/// The late-payment mentions of L441-10 of the Code de commerce, in one place.
pub fn legal_notes(late_rate: &str, vat_on_debits: bool, exempt: bool) -> Vec<Note> {
    let rate = if late_rate.trim().is_empty() {
        "trois fois le taux d'intérêt légal".to_string()
    } else {
        format!("{} % par an", late_rate.trim())
    };
    let mut notes = vec![
        Note {
            subject: "PMD".into(),
            text: format!(
                "En cas de retard de paiement, des pénalités sont exigibles au taux de {rate} (Code de commerce, L441-10), \
                 dès le lendemain de l'échéance."
            ),
        },
        Note {
            subject: "PMT".into(),
            text:
                "Indemnité forfaitaire pour frais de recouvrement due au créancier en cas de retard de paiement : 40 € \
                   (Code de commerce, L441-10 et D441-5)."
                    .into(),
        },
        Note { subject: "AAB".into(), text: "Pas d'escompte pour paiement anticipé.".into() },
    ];
    if exempt {
        notes.push(Note { subject: "TXD".into(), text: EXEMPTION_REASON.into() });
    }
    if vat_on_debits {
        notes
            .push(Note {
                subject: "TXD".into(), text: "Option pour le paiement de la TVA d'après les débits.".into()
            });
    }
    notes
}

/// The due date: the issue date plus the organisation's payment delay, at most 60 days (L441-10).
pub fn due_date(issue: NaiveDate, days: i64) -> NaiveDate {
    issue + chrono::Days::new(days.clamp(0, 60) as u64)
}

/// Whether an invoice is overdue on `today` with `balance` still due.
pub fn is_overdue(due: NaiveDate, balance: Decimal, today: NaiveDate) -> bool {
    balance > Decimal::ZERO && today > due
}

/// The reminders of an overdue invoice: the steps (days after the due date) that are reached.
pub fn reminder_steps(due: NaiveDate, today: NaiveDate, days: &[i64]) -> Vec<i64> {
    let late = (today - due).num_days();
    days.iter().copied().filter(|d| *d > 0 && late >= *d).collect()
}

/// Reads a list of days ("7,30").
pub fn parse_days(s: &str) -> Vec<i64> {
    let mut v: Vec<i64> =
        s.split([',', ';', ' ']).filter_map(|x| x.trim().parse().ok()).filter(|d| (1..=365).contains(d)).collect();
    v.sort();
    v.dedup();
    v
}

/// The unit code of a quote's unit (UN/ECE Recommendation 20).
pub fn unit_code(unit: &str) -> &'static str {
    let u = unit.trim_end_matches('s');
    match u {
        "jour" => "DAY",
        "demi-journée" => "C62",
        "heure" => "HUR",
        "km" => "KMT",
        "nuit" => "C62",
        _ => "C62",
    }
}

/// A credit note's lines: the whole invoice again (a cancellation), or `amount` incl. VAT spread over
/// its VAT categories in proportion (a correction), each line saying why.
pub fn credit_lines(original: &Document, amount: Option<Decimal>, reason: &str) -> Vec<InvoiceLine> {
    let t = &original.totals;
    let label = format!("Avoir sur la facture n° {} : {reason}", original.number);
    let wanted = amount.unwrap_or(t.ttc);
    let mut out = Vec::new();
    let mut left = wanted;
    let groups: Vec<&VatTotal> = t.vat_totals.iter().filter(|g| !g.base.is_zero()).collect();
    for (i, g) in groups.iter().enumerate() {
        let group_ttc = g.base + g.amount;
        let share_ttc = if i + 1 == groups.len() || t.ttc.is_zero() { left } else { cents(wanted * group_ttc / t.ttc) };
        left -= share_ttc;
        // The whole group again, or back from incl. to excl. VAT at the group's rate.
        let base = match amount {
            None => g.base,
            Some(_) => cents(share_ttc * Decimal::from(100) / (Decimal::from(100) + g.vat.rate)),
        };
        let training = original.lines.iter().any(|l| l.vat == g.vat && l.training);
        out.push(InvoiceLine {
            label: label.clone(),
            detail: String::new(),
            quantity: Decimal::ONE,
            unit: "forfait".into(),
            unit_code: "C62".into(),
            unit_price: base,
            amount: base,
            discount: Decimal::ZERO,
            vat: g.vat.clone(),
            training,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn line(amount: &str, exempt: bool, training: bool) -> InvoiceLine {
        InvoiceLine {
            label: "x".into(),
            detail: String::new(),
            quantity: Decimal::ONE,
            unit: "forfait".into(),
            unit_code: "C62".into(),
            unit_price: d(amount),
            amount: d(amount),
            discount: Decimal::ZERO,
            vat: Vat::of(d("20"), exempt),
            training,
        }
    }

    #[test]
    fn an_invoice_adds_up_by_vat_category_rounded_once() {
        // Three lines at 20 % whose VAT rounded one by one would be 0.01 more.
        let lines = vec![
            line("0.05", false, false),
            line("0.05", false, false),
            line("0.05", false, false),
            line("4400", true, true),
        ];
        let t = totals(&lines, &[]);
        assert_eq!(t.ht, d("4400.15"));
        assert_eq!(t.vat, d("0.03"), "0.15 × 20 % once, not 3 × 0.01");
        assert_eq!(t.ttc, d("4400.18"));
        assert_eq!(t.vat_totals.len(), 2);
        assert_eq!(t.training, d("4400"));
    }

    #[test]
    fn allowances_reduce_the_base_of_their_category() {
        let lines = vec![line("1000", true, true), line("500", false, false)];
        let allowances = vec![
            Allowance { reason: "Acompte".into(), amount: d("300"), vat: Vat::of(d("20"), true), training: true },
            Allowance { reason: "Acompte".into(), amount: d("150"), vat: Vat::of(d("20"), false), training: false },
        ];
        let t = totals(&lines, &allowances);
        assert_eq!((t.lines, t.allowances, t.ht), (d("1500"), d("450"), d("1050")));
        assert_eq!(t.vat, d("70.00"));
        assert_eq!(t.ttc, d("1120.00"));
        assert_eq!(t.training, d("700"));
    }

    #[test]
    fn payment_is_due_within_sixty_days_and_late_after() {
        let issue = NaiveDate::from_ymd_opt(2027, 1, 18).unwrap();
        assert_eq!(due_date(issue, 30), NaiveDate::from_ymd_opt(2027, 2, 17).unwrap());
        assert_eq!(due_date(issue, 90), NaiveDate::from_ymd_opt(2027, 3, 19).unwrap(), "60 days at most");
        let due = due_date(issue, 30);
        assert!(!is_overdue(due, d("10"), due));
        assert!(is_overdue(due, d("10"), due + chrono::Days::new(1)));
        assert!(!is_overdue(due, Decimal::ZERO, due + chrono::Days::new(40)));
        assert_eq!(reminder_steps(due, due + chrono::Days::new(8), &[7, 30]), vec![7]);
        assert_eq!(parse_days("30, 7 ;7 x 400"), vec![7, 30]);
    }

    #[test]
    fn a_partial_credit_note_spreads_over_the_vat_categories() {
        let lines = vec![line("1000", true, true), line("500", false, false)];
        let doc = Document {
            kind: Kind::Final,
            number: "FA-2027-0003".into(),
            issue_date: NaiveDate::from_ymd_opt(2027, 1, 18).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2027, 2, 17).unwrap(),
            seller: Seller::default(),
            buyer: Party::default(),
            delivery: None,
            operation: String::new(),
            title: String::new(),
            period_start: None,
            period_end: None,
            quote_number: None,
            convention_number: None,
            opco_file: None,
            credited_number: None,
            credited_date: None,
            totals: totals(&lines, &[]),
            lines,
            allowances: vec![],
            payment_terms: String::new(),
            notes: vec![],
        };
        let all = credit_lines(&doc, None, "annulation");
        assert_eq!(totals(&all, &[]).ttc, doc.totals.ttc);
        let part = credit_lines(&doc, Some(d("160")), "remise commerciale");
        assert_eq!(part.len(), 2);
        assert!(part[0].label.contains("FA-2027-0003"));
        let t = totals(&part, &[]);
        assert!((t.ttc - d("160")).abs() <= d("0.01"), "{}", t.ttc);
        assert_eq!(siren_of("732 829 320 00074"), "732829320");
    }

    #[test]
    fn the_mentions_of_late_payment_are_there() {
        let n = legal_notes("", true, true);
        assert!(n.iter().any(|x| x.subject == "PMT" && x.text.contains("40 €")));
        assert!(n.iter().any(|x| x.text.contains("trois fois le taux d'intérêt légal")));
        assert!(n.iter().any(|x| x.text.contains("261-4-4° a")));
        assert!(n.iter().any(|x| x.text.contains("d'après les débits")));
        assert!(legal_notes("10,5", false, false)[0].text.contains("10,5 % par an"));
    }
}
