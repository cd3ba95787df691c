"""Calibrate the ECL loss given default on the Lending Club 2015 outcomes and write the packaged parameter file.

    PYTHONPATH=src python tools/calibrate_lgd.py [--data ../shared/datasets] [--lag 12] [--write]

Reads ``lc_fiddler_2015_outcomes.csv.gz`` in place (119,015 loans issued Apr-Aug 2015 with final outcomes; MIT
repository, CC0 source: see the datasets README), checks its SHA-256 against the directory's ``SHA256SUMS``,
runs ``portfolio.ecl.lgd.calibrate`` (exposure at charge-off = funded amount less principal repaid; recoveries
less collection fees, discounted at the loan's rate over ``--lag`` months), prints the LGD overall and by grade
with the sensitivity to the lag (0, 6, 12, 24 months), and with ``--write`` writes
``src/creditloop/portfolio/ecl/data/lgd_v1.json`` with its provenance.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import sys
from pathlib import Path

from creditloop.portfolio.ecl.lgd import calibrate

FILE = "lc_fiddler_2015_outcomes.csv.gz"
OUT = Path(__file__).resolve().parents[1] / "src/creditloop/portfolio/ecl/data/lgd_v1.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "../shared/datasets")
    ap.add_argument("--lag", type=int, default=12, help="assumed months from charge-off to recovery")
    ap.add_argument("--write", action="store_true", help="write the packaged parameter file")
    args = ap.parse_args(argv)
    path = args.data / FILE
    if not path.is_file():
        print(f"error: {path} not found (the Lending Club outcomes: see the datasets README)", file=sys.stderr)
        return 1
    digest = sha256(path)
    sums = args.data / "SHA256SUMS"
    if sums.is_file() and f"{digest}  {FILE}" not in sums.read_text("utf-8"):
        print(f"error: {FILE}: SHA-256 {digest} does not match SHA256SUMS", file=sys.stderr)
        return 1
    rows = read(path)
    result = calibrate(rows, args.lag)
    sensitivity = {str(lag): calibrate(rows, lag)["lgd"] for lag in (0, 6, 12, 24)}
    print(f"loans {len(rows):,}; charged off with exposure {result['charged_off_loans']:,}")
    print(f"LGD {result['lgd']:.4f} (recovery lag {args.lag} months); by lag {sensitivity}")
    for grade, value in result["by_grade"].items():
        print(f"  grade {grade}: LGD {value:.4f} ({result['loans_by_grade'][grade]:,} loans)")
    if args.write:
        doc = {
            "version": "lgd_lending_club_2015@1",
            "lgd": result["lgd"],
            "by_grade": result["by_grade"],
            "provenance": {
                "source": FILE,
                "source_sha256": digest,
                "source_description": "Lending Club loans issued 2015-04..2015-08, 36-month term, final outcomes "
                "(datasets README: MIT repository, CC0 source)",
                "rows": len(rows),
                "charged_off_loans": result["charged_off_loans"],
                "skipped_no_exposure": result["skipped_no_exposure"],
                "loans_by_grade": result["loans_by_grade"],
                "method": "exposure-weighted: 1 - sum(PV of recoveries less collection fees) / sum(funded amount - "
                "principal repaid); funded amount = PV of 36 instalments at the loan's rate",
                "recovery_lag_months": args.lag,
                "discount_rate": "each loan's own interest rate (its effective rate)",
                "lgd_by_recovery_lag": sensitivity,
                "tool": "tools/calibrate_lgd.py",
            },
        }
        OUT.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
