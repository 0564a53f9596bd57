"""Settlement benchmark: one month of a contract with every component type.

    .venv/bin/python bench/settlement.py [--members 100000] [--lines 1000000] [--scale 10]

Each size runs in its own subprocess so its peak memory (max RSS) is its own. Times cover
validating the activity (`load_activity`) and settling it (`settle`); building the input
dicts is not timed. Prints both sizes, the time ratio and the memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta

TERMS = {
    "contract": "BENCH-ALL-2026", "payer": "plan", "provider": "hub",
    "effective": "2026-01-01", "ends": "2026-12-31",
    "services": [
        {"code": "HDM", "name": "Home-delivered meal", "unit": "meal", "rate": "7.50"},
        {"code": "RIDE", "name": "Ride", "unit": "ride", "rate": "22.40"},
        {"code": "ED", "name": "Education class", "unit": "class", "rate": "35.00"},
        {"code": "CMV", "name": "Case management visit", "unit": "visit", "rate": "55.00"},
        {"code": "CM", "name": "Case management episode", "unit": "episode", "rate": "450.00"},
    ],
    "components": [
        {"id": "pilot", "type": "fixed_price", "amount": "120000.00", "schedule": "monthly"},
        {"id": "rides", "type": "fee_for_service", "services": ["RIDE", "ED"],
         "max_units": 150000, "max_units_per_member_per_day": 3,
         "guaranteed_minimum": "10000.00"},
        {"id": "cm", "type": "bundled", "service": "CM", "episode_days": 90, "max_renewals": 1,
         "included_services": ["CMV"]},
        {"id": "cap", "type": "capitation", "pmpm": "4.25", "member_month_rule": "prorated_days"},
        {"id": "meals", "type": "hybrid", "floor": "1800000.00", "services": ["HDM"],
         "max_units_per_member_per_day": 2},
        {"id": "visits", "type": "fee_for_service", "services": ["CMV"]},
        {"id": "p4p", "type": "performance", "mlr": "quality",
         "bonuses": [{"metric": "follow-up-7d", "target": "0.60", "amount": "25000.00"}],
         "penalties": {"first": "1000.00", "step_percent": "5", "step_mode": "compound"}},
        {"id": "savings", "type": "shared_savings", "net_of": ["pilot"], "min_rate": "0.40",
         "max_rate": "0.50", "quality_metrics": [{"metric": "follow-up-7d", "target": "0.60"}]},
        {"id": "losses", "type": "shared_losses", "rate": "0.30", "threshold_rate": "0.02"},
        {"id": "hub", "type": "outcome_based", "engagement_amount": "60.00", "unit_rate": "40.00",
         "pathways": {"housing": 3, "medical-home": 2}, "budget": "900000.00"},
        {"id": "advance", "type": "prepayment", "amount": "200000.00", "recoup_rate": "0.05"},
        {"id": "funds", "type": "flexible_funds", "per_member": "300.00", "per": "year",
         "categories": ["utilities", "food", "transport"]},
    ],
}


def build_activity(members: int, lines: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    ids = [f"M{i:07d}" for i in range(members)]
    march = [(date(2026, 3, 1) + timedelta(days=d)).isoformat() for d in range(31)]
    codes = ["HDM"] * 6 + ["RIDE", "ED", "CMV"]
    services = [{"member": ids[rng.randrange(members)], "service": codes[rng.randrange(9)],
                 "date": march[rng.randrange(31)], "units": 1 + (rng.random() < 0.3)}
                for _ in range(lines)]
    attribution = [{"member": m, "start": "2026-01-01" if i % 10 else "2026-03-10",
                    "end": None if i % 17 else "2026-03-20"} for i, m in enumerate(ids)]
    events: list[dict] = []
    for i in range(0, members, 10):
        events.append({"member": ids[i], "type": "enrolled", "service": "CM",
                       "date": march[i % 31] if i % 20 else "2026-01-15"})
    for i in range(0, members, 7):
        events.append({"member": ids[i], "type": "engaged", "date": march[i % 31]})
    for i in range(0, members, 13):
        events.append({"member": ids[i], "type": "pathway_completed",
                       "pathway": "housing" if i % 2 else "medical-home", "date": march[i % 31]})
    events += [{"type": "penalty", "element": f"e{k}", "date": march[k * 3]} for k in range(8)]
    spending = [{"member": ids[rng.randrange(members)],
                 "category": ("utilities", "food", "transport", "cash")[rng.randrange(4)],
                 "amount": f"{rng.randrange(500, 20000) / 100:.2f}", "date": march[k % 31]}
                for k in range(members // 5)]
    return {
        "period": {"start": "2026-03-01", "end": "2026-03-31"},
        "attribution": attribution, "services": services, "events": events,
        "spending": spending, "quality": {"follow-up-7d": "0.64"},
        "cost_of_care": {"benchmark": "125000000.00", "actual": "119000000.00"},
        "paid": {"pilot": "20000.00"}, "recouped": {"advance": "10000.00"},
    }


def measure(members: int, lines: int) -> dict:
    from carehub.core.activity import load_activity
    from carehub.core.settlement import settle
    from carehub.core.terms import load_terms

    data = build_activity(members, lines)
    terms = load_terms(TERMS)
    # The input is the caller's long-lived data: keep the collector from rescanning it.
    gc.freeze()
    cpu_started = time.process_time()
    started = time.perf_counter()
    activity = load_activity(data)
    loaded = time.perf_counter()
    statement = settle(terms, activity)
    text = json.dumps(statement.to_json_dict())
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"members": members, "lines": lines, "load_s": round(loaded - started, 3),
            "settle_s": round(finished - loaded, 3), "total_s": round(finished - started, 3), "cpu_s": round(cpu, 3),
            "peak_rss_mb": round(peak_kib / 1024), "statement_lines": len(statement.lines),
            "statement_bytes": len(text), "total": str(statement.total)}


def run_child(members: int, lines: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(members), str(lines)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    base = run_child(args.members, args.lines)
    big = run_child(args.members, args.lines * args.scale)
    for result in (base, big):
        print(f"{result['members']:>9,} members {result['lines']:>11,} lines: "
              f"validate {result['load_s']:.2f} s + settle {result['settle_s']:.2f} s = "
              f"{result['total_s']:.2f} s wall ({result['cpu_s']:.2f} s CPU), peak RSS {result['peak_rss_mb']:,} MB "
              f"(including the generated input), {result['statement_lines']} statement lines")
    ratio = big["total_s"] / base["total_s"]
    cpu_ratio = big["cpu_s"] / base["cpu_s"]
    print(f"{args.scale}× lines took {ratio:.1f}× the wall time, {cpu_ratio:.1f}× the CPU time "
          "(target: under 12×); "
          f"base run {'meets' if base['total_s'] < 5 and base['peak_rss_mb'] < 2048 else 'MISSES'}"
          " the 5 s / 2 GB target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
