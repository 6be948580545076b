#!/usr/bin/env python3
"""Independent check of `tarifa bench run`: recomputes every subscriber's bill
total for the generated month from catalog.toml, subscribers.csv and
usage.csv, written from the rating rules in docs/rating.md without any of
tarifa's code, and compares it with DIR/totals.csv.

Usage: tools/bench_check.py DIR [--country-code +382] [--free 112,122,123,124,1700]
Exit 0 when every total matches, 1 otherwise (the first differences are printed).
"""
import argparse
import csv
import sys
import tomllib
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

MB = 1024 * 1024


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--country-code", default="+382")
    parser.add_argument("--free", default="112,122,123,124,1700")
    args = parser.parse_args()
    free = set(args.free.split(","))

    with open(f"{args.dir}/catalog.toml", "rb") as f:
        packages = {p["id"]: p for p in tomllib.load(f)["package"]}
    package_of = {}
    with open(f"{args.dir}/subscribers.csv", newline="") as f:
        for row in csv.DictReader(f):
            package_of[row["number"]] = packages[row["package"]]

    national_min = defaultdict(int)
    intl_min = defaultdict(int)
    sms = defaultdict(int)
    data = defaultdict(int)
    with open(f"{args.dir}/usage.csv", newline="") as f:
        for row in csv.DictReader(f):
            number, kind, to, quantity = row["number"], row["kind"], row["to"], int(row["quantity"])
            if kind == "data":
                data[number] += quantity
            elif to in free:
                continue
            elif kind == "voice":
                minutes = -(-quantity // 60)
                if to.startswith("+") and not to.startswith(args.country_code):
                    intl_min[number] += minutes
                else:
                    national_min[number] += minutes
            elif kind == "sms":
                sms[number] += quantity

    def beyond(used: int, granted: int) -> int:
        return 0 if granted == -1 else max(0, used - granted)

    expected = {}
    for number, p in package_of.items():
        rates = {k: Decimal(v) for k, v in p.get("rates", {}).items()}
        total = Decimal(p["monthly_fee"])
        total += money(beyond(national_min[number], p.get("voice_min", 0)) * rates.get("voice_min", Decimal(0)))
        total += money(intl_min[number] * rates.get("voice_intl_min", rates.get("voice_min", Decimal(0))))
        total += money(beyond(sms[number], p.get("sms", 0)) * rates.get("sms", Decimal(0)))
        granted_mb = p.get("data_mb", -1)
        if granted_mb != -1:
            excess_mb = -(-max(0, data[number] - granted_mb * MB) // MB)
            total += money(excess_mb * rates.get("data_mb", Decimal(0)))
        expected[number] = money(total)

    actual = {}
    with open(f"{args.dir}/totals.csv", newline="") as f:
        for row in csv.DictReader(f):
            actual[row["number"]] = Decimal(row["total"])

    problems = []
    for number, total in expected.items():
        if number not in actual:
            problems.append(f"{number}: no bill (expected {total})")
        elif actual[number] != total:
            problems.append(f"{number}: billed {actual[number]}, expected {total}")
    for number in actual.keys() - expected.keys():
        problems.append(f"{number}: billed but not a subscriber")
    for p in problems[:20]:
        print(p)
    print(f"{len(expected)} subscribers checked, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
