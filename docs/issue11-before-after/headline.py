#!/usr/bin/env python3
"""Per-configuration headline figures of each bundled scenario, before and after, as Markdown."""
import csv, os, sys

BEFORE, AFTER = sys.argv[1], sys.argv[2]
# scenario: (table, key columns, value columns)
SPEC = {
    'vmexit': ('vmexit', ['configuration', 'test'], ['min_cycles', 'max_cycles']),
    'large-pages': ('translation', ['configuration'],
                    ['llc_misses_per_access', 'translation_cycles_per_access', 'page_table_bytes_per_gib']),
    'tlb-what-if': (None, ['configuration'], None),
    'ept-fault-designs': ('ept_faults', ['configuration'], ['min_s', 'median_s', 'max_s', 'setup_s']),
    'dirty-logging': ('ept_faults', ['configuration'], ['median_s', 'faults_per_vcpu', 'setup_s']),
    'ipi-bench': ('ipi_bench', ['configuration', 'test'], ['ns_per_iteration']),
    'tlb-shootdown': ('shootdown', ['configuration'], ['records_per_s_per_vm', 'latency_us_p50', 'latency_us_p99']),
    'ebizzy': ('shootdown', ['configuration'], ['records_per_s_per_vm', 'latency_us_p50']),
    'idle-exits': ('idle', ['configuration', 'vm'],
                   ['cpu_percent', 'core_c0', 'core_cc7', 'core_ghz', 'package0_pc2']),
    'dirty-log-perf': (None, ['configuration'], None),
}

def rows(d, table):
    p = os.path.join(d, 'tables', table + '.csv')
    return list(csv.DictReader(open(p))) if os.path.exists(p) else []

def fmt(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return v if v else 'n/a'
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return f'{x:.4g}'
    return f'{x:,.4g}' if abs(x) < 1000 else f'{x:,.0f}'

def run_dir(root, s):
    for r in root.split(':'):
        if os.path.isdir(os.path.join(r, s)):
            return os.path.join(r, s)
    return None

for s, (table, keys, cols) in SPEC.items():
    b, a = run_dir(BEFORE, s), run_dir(AFTER, s)
    if a is None:
        continue
    if table is None:
        ts = sorted(f[:-4] for f in os.listdir(os.path.join(a, 'tables'))
                    if f.endswith('.csv') and f not in ('exits.csv', 'published.csv'))
        table = ts[0]
    ar = rows(a, table)
    if table == 'dirty_log_perf':
        # One row per configuration, the selftest's main phases as columns (seconds).
        phases = ['Populate memory time', 'Enabling dirty logging time',
                  'Iteration 1 dirty memory time', 'Iteration 2 dirty memory time',
                  'Clear dirty log over 2 iterations', 'Disabling dirty logging time']
        print(f'\n#### {s} (table `{table}`, seconds; new in this issue: no before)\n')
        print('| configuration | ' + ' | '.join(phases) + ' |')
        print('|' + '---|' * (len(phases) + 1))
        by = {}
        for r in ar:
            by.setdefault(r['configuration'], {})[r['phase']] = r['seconds']
        for conf, ph in by.items():
            print(f'| {conf} | ' + ' | '.join(fmt(ph.get(x)) for x in phases) + ' |')
        continue
    br = rows(b, table) if b else []
    if cols is None:
        cols = [c for c in ar[0].keys() if c not in keys][:6]
    print(f'\n#### {s} (table `{table}`{"" if b else "; not in the before build"})\n')
    print('| ' + ' | '.join(keys + cols) + ' |')
    print('|' + '---|' * (len(keys) + len(cols)))
    bi = {tuple(r.get(k) for k in keys): r for r in br}
    for r in ar:
        k = tuple(r.get(k) for k in keys)
        o = bi.get(k)
        cells = []
        for c in cols:
            av = fmt(r.get(c))
            bv = fmt(o.get(c)) if o is not None and c in o else ('n/a' if b else '')
            cells.append(av if not b else (av if bv == av else f'{bv} → {av}'))
        print('| ' + ' | '.join(list(k) + cells) + ' |')
    extra = [k for k in bi if k not in {tuple(r.get(x) for x in keys) for r in ar}]
    if extra and all(x is None for k in extra for x in k[1:]):
        # The before build's table had other columns: show it as it was.
        bcols = list(br[0].keys())
        print(f'\nThe before build\'s `{table}` table (another layout):\n')
        print('| ' + ' | '.join(bcols) + ' |')
        print('|' + '---|' * len(bcols))
        for r in br:
            print('| ' + ' | '.join(fmt(r[c]) for c in bcols) + ' |')
    else:
        for k in extra:
            print('| ' + ' | '.join(list(k) + [fmt(bi[k].get(c)) + ' → (gone)' for c in cols]) + ' |')
