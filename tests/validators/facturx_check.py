"""Checks Factur-X invoices with independent implementations: the `factur-x` library (finds the XML
embedded in the PDF, checks it against the Factur-X EN 16931 XSD) and the EN 16931 CII schematron run
by SaxonC. Prints one JSON line per file; exits 1 when any file breaks a rule.

usage: facturx_check.py SCHEMATRON.xslt FILE.pdf|FILE.xml...
"""
import json
import re
import sys

from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from saxonche import PySaxonProcessor


def main():
    xslt, files = sys.argv[1], sys.argv[2:]
    failed = False
    with PySaxonProcessor(license=False) as p:
        exe = p.new_xslt30_processor().compile_stylesheet(stylesheet_file=xslt)
        for path in files:
            data = open(path, "rb").read()
            report = {"file": path}
            if path.endswith(".pdf"):
                name, xml = get_facturx_xml_from_pdf(data, check_xsd=False)
                report["embedded"] = name or None
                if not xml:
                    report["error"] = "no factur-x.xml in the PDF"
                    failed = True
                    print(json.dumps(report))
                    continue
            else:
                xml = data
            try:
                xml_check_xsd(xml, flavor="factur-x", level="en16931")
                report["xsd"] = "ok"
            except Exception as e:  # the library raises on the first XSD error
                report["xsd"] = str(e)
                failed = True
            svrl = exe.transform_to_string(xdm_node=p.parse_xml(xml_text=xml.decode()))
            fired = len(re.findall(r"<svrl:fired-rule", svrl))
            asserts = re.findall(r'<svrl:failed-assert[^>]*>.*?</svrl:failed-assert>', svrl, re.S)
            fatal = [a for a in asserts if 'flag="fatal"' in a]
            report["fired_rules"] = fired
            report["fatal"] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", a)).strip()[:300] for a in fatal]
            report["warnings"] = len(asserts) - len(fatal)
            if fired == 0 or fatal:
                failed = True
            print(json.dumps(report, ensure_ascii=False))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
