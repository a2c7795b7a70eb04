#!/usr/bin/env python3
"""Evaluates the checks of reproduce/talks.json and the scenarios' published bands on run
directories (vsim run -o DIR), for two sets of runs (before, after), and prints Markdown rows."""
import csv, json, os, re, sys

TALKS, BEFORE, AFTER = sys.argv[1], sys.argv[2], sys.argv[3]

def load(d):
    if not os.path.isdir(d):
        return None
    r = json.load(open(os.path.join(d, 'result.json')))
    tables = {}
    td = os.path.join(d, 'tables')
    for f in os.listdir(td) if os.path.isdir(td) else []:
        if f.endswith('.csv'):
            tables[f[:-4]] = list(csv.DictReader(open(os.path.join(td, f))))
    return r, tables

def metric(run, conf, name):
    r, _ = run
    m = r['metrics'] if conf == 'base' else r['variants'].get(conf, {}).get('metrics', {})
    v = m.get(name)
    return v if isinstance(v, (int, float)) else (v.get('value') if isinstance(v, dict) else None)

def cell(run, table, conf, col):
    _, t = run
    vm = None
    if '/' in conf:
        conf, vm = conf.split('/')
    for row in t.get(table, []):
        if row.get('configuration') == conf and (vm is None or row.get('vm') == vm):
            try:
                return float(row[col])
            except (KeyError, ValueError, TypeError):
                return None
    return None

def value(run, expr):
    if run is None:
        return None
    expr = expr.strip()
    if ' / ' in expr:
        a, b = expr.split(' / ', 1)
        a, b = value(run, a), value(run, b)
        return a / b if a is not None and b not in (None, 0) else None
    try:
        return float(expr)
    except ValueError:
        pass
    m = re.fullmatch(r'metrics\[([^\]]+)\]\.(.+)', expr)
    if m:
        return metric(run, m.group(1), m.group(2))
    m = re.fullmatch(r'(\w+)\[([^\]]+)\]\.(\w+)', expr)
    if m:
        return cell(run, m.group(1), m.group(2), m.group(3))
    raise ValueError(expr)

def verdict(c, run):
    v = value(run, c['value'])
    if v is None:
        return None, 'n/a', None
    if 'low' in c:
        return v, 'yes' if c['low'] - 1e-12 <= v <= c['high'] + 1e-12 else 'no', f"{c['low']:g} .. {c['high']:g}"
    if 'below' in c:
        o = value(run, str(c['below']))
        return v, ('n/a' if o is None else 'yes' if v < o else 'no'), f"< {fmt(o)}"
    if 'above' in c:
        o = value(run, str(c['above']))
        return v, ('n/a' if o is None else 'yes' if v > o else 'no'), f"> {fmt(o)}"
    return v, '', ''

def fmt(v):
    if v is None:
        return 'n/a'
    if abs(v) >= 1e5 or (v != 0 and abs(v) < 1e-3):
        return f'{v:.4g}'
    return f'{v:.4g}' if abs(v) < 1000 else f'{v:,.0f}'

# Where the before build measured a figure under another name (a table it had then), the nearest
# equivalent, marked with * in the table.
BEFORE_EQUIV = {
    'pv vs cluster': 'ipi_bench[pv-broadcast].ns_per_ipi',
    'cluster vs physical': 'ipi_bench[base].ns_per_ipi',
    'mwait idle cc7': 'idle[mwait/idle].core_c6',
}
BEFORE_EQUIV_ORDER = {
    'pv vs cluster': 'ipi_bench[base].ns_per_ipi',
    'cluster vs physical': 'ipi_bench[physical-broadcast].ns_per_ipi',
}
EXITS = {'cluster exits': 'ipi_bench[base].sender_exits_per_ipi',
         'physical exits': 'ipi_bench[physical-broadcast].sender_exits_per_ipi',
         'pv exits': 'ipi_bench[pv-broadcast].sender_exits_per_ipi'}
BEFORE_EQUIV.update(EXITS)

talks = json.load(open(TALKS))
print('| talk | figure | check | before | after | band / order (after) | in band before | in band after |')
print('|---|---|---|---|---|---|---|---|')
for talk in talks['talks']:
    for f in talk['figures']:
        b, a = load(os.path.join(BEFORE, f['scenario'])), load(os.path.join(AFTER, f['scenario']))
        for c in f['checks']:
            vb, ib, _ = verdict(c, b)
            star = ''
            if vb is None and c['label'] in BEFORE_EQUIV:
                cb = dict(c, value=BEFORE_EQUIV[c['label']])
                if c['label'] in BEFORE_EQUIV_ORDER:
                    cb['below'] = BEFORE_EQUIV_ORDER[c['label']]
                vb, ib, _ = verdict(cb, b)
                star = '*'
            va, ia, band = verdict(c, a)
            print(f"| {talk['id']} | {f['scenario']} | {c['label']} | {fmt(vb)}{star} | {fmt(va)} | {band} | {ib} | {ia} |")
# Published bands in each scenario's own file.
print()
print('| scenario | configuration | metric | before | after | band | in band before | in band after |')
print('|---|---|---|---|---|---|---|---|')
for s in sorted(os.listdir(AFTER)):
    a, b = load(os.path.join(AFTER, s)), load(os.path.join(BEFORE, s))
    if a is None:
        continue
    for p in a[0].get('published', []):
            conf = p['configuration']
            c = {'value': f"metrics[{conf}].{p['metric']}", 'low': p['low'], 'high': p['high']}
            vb, ib, _ = verdict(c, b)
            va, ia, band = verdict(c, a)
            print(f"| {s} | {conf} | {p['metric']} | {fmt(vb)} | {fmt(va)} | {band} {p.get('unit','')} | {ib} | {ia} |")
