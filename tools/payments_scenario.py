#!/usr/bin/env python3
"""A scenario of N payments by one customer, for `tarifa simulate` timings.

    python3 tools/payments_scenario.py 10000 > payments.toml
    time tarifa simulate payments.toml > /dev/null

Nikola signs for Mobile 1590 on 1 March 2026; March is billed on 1 April;
on 2 April he pays 1.00 N times; the last step expects his balance.
"""

import sys


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = [
        'name = "many payments"',
        'market = "rs"',
        'start = "2026-03-01"',
        "",
        "[[step]]",
        'on = "2026-03-01"',
        'do = "customer"',
        'id = "nikola"',
        'name = "Nikola Nikolić"',
        "",
        "[[step]]",
        'on = "2026-03-01"',
        'do = "contract"',
        'id = "n1"',
        'customer = "nikola"',
        'package = "mobile-1590"',
    ]
    for i in range(count):
        out += [
            "",
            "[[step]]",
            'on = "2026-04-02"',
            'do = "pay"',
            'customer = "nikola"',
            'amount = "1.00"',
            f'reference = "p-{i}"',
        ]
    balance = count * 100 - 159000
    sign = "-" if balance < 0 else ""
    balance = abs(balance)
    out += [
        "",
        "[[step]]",
        'on = "2026-04-02"',
        'do = "expect"',
        f'balance = {{ nikola = "{sign}{balance // 100}.{balance % 100:02d}" }}',
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
