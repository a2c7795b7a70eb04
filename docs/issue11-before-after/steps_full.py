#!/usr/bin/env python3
"""Full-size values of the figures that moved, at 34fc1cb, after each issue-11 merge, and at main."""
import csv, os
STEPS = [('34fc1cb', '/tmp/fid/before'), ('dirtylog 284fa4e', '/tmp/fid/at-284fa4e'),
         ('ipi df27d3f', '/tmp/fid/at-df27d3f'), ('contention 7846750', '/tmp/fid/at-7846750'),
         ('STLB fix 19b837d', '/tmp/fid/at-19b837d'), ('halt polling ba0cd07', '/tmp/fid/at-ba0cd07'),
         ('pkgc 5d3f8ed', '/tmp/fid/at-5d3f8ed'), ('numa 14fba73 (main)', '/tmp/fid/after')]
ROWS = [
    ('dirty-logging', 'ept_faults', 'tdp-mmu-dirty-bit', 'median_s'),
    ('dirty-logging', 'ept_faults', 'mmu-lock-write-protect', 'median_s'),
    ('dirty-logging', 'ept_faults', 'dirty-bit-eager', 'median_s'),
    ('ept-fault-designs', 'ept_faults', 'tdp-mmu-4k', 'median_s'),
    ('ept-fault-designs', 'ept_faults', 'prefault-4k', 'median_s'),
    ('ept-fault-designs', 'ept_faults', 'prefault-4k', 'setup_s'),
    ('ept-fault-designs', 'ept_faults', 'mmu-lock-2m', 'median_s'),
    ('tlb-shootdown', 'shootdown', '2vm', 'records_per_s_per_vm'),
    ('tlb-shootdown', 'shootdown', '2vm', 'latency_us_p50'),
    ('tlb-shootdown', 'shootdown', '3vm', 'records_per_s_per_vm'),
    ('tlb-shootdown', 'shootdown', '3vm', 'latency_us_p50'),
    ('tlb-shootdown', 'shootdown', '3vm-pv', 'records_per_s_per_vm'),
    ('idle-exits', 'idle', 'hlt/busy', 'cpu_percent'),
    ('idle-exits', 'idle', 'mwait/busy', 'core_ghz'),
    ('idle-exits', 'idle', 'mwait/busy', 'package0_pc2'),
]
def get(d, s, t, conf, col):
    p = os.path.join(d, s, 'tables', t + '.csv')
    if not os.path.exists(p):
        return None
    vm = None
    if '/' in conf:
        conf, vm = conf.split('/')
    for r in csv.DictReader(open(p)):
        if r['configuration'] == conf and (vm is None or r.get('vm') == vm):
            return r.get(col)
    return None
def fmt(v):
    if v is None:
        return ''
    x = float(v)
    return f'{x:.4g}' if abs(x) < 1e4 else f'{x:,.0f}'
print('| scenario | configuration | figure | ' + ' | '.join(n for n, _ in STEPS) + ' |')
print('|---|---|---|' + '---|' * len(STEPS))
for s, t, conf, col in ROWS:
    print(f'| {s} | {conf} | {col} | ' + ' | '.join(fmt(get(d, s, t, conf, col)) for _, d in STEPS) + ' |')
# ipi-bench: the broadcast time per step (old table before the ipi merge)
vals = []
for _, d in STEPS:
    v = get(d, 'ipi-bench', 'ipi_bench', 'base', 'ns_per_ipi')
    if v is None:
        p = os.path.join(d, 'ipi-bench', 'tables', 'ipi_bench.csv')
        if os.path.exists(p):
            for r in csv.DictReader(open(p)):
                if r['configuration'] == 'base' and r.get('test') == 'Broadcast IPI':
                    v = r['ns_per_iteration']
    vals.append(fmt(v))
print('| ipi-bench | base (cluster) | broadcast ns | ' + ' | '.join(vals) + ' |')
