#!/usr/bin/env python3
"""Which merge on main moved a golden (reduced-size) metric: its value at 34fc1cb and after each
first-parent commit that changed it. Run in a checkout of vsim."""
import json, subprocess, sys

SPEC = {
    'ept-fault-designs': ['vm0.dirtier.median_seconds'],
    'dirty-logging': ['vm0.dirtier.median_seconds'],
    'tlb-shootdown': ['vm0.shootdown.latency_us_p50', 'vm0.shootdown.records_per_second'],
    'ebizzy': ['vm0.shootdown.latency_us_p50', 'vm0.shootdown.records_per_second'],
    'idle-exits': ['host.power.core0.c0_residency', 'host.power.package0.pc2_residency'],
    'large-pages': ['vm0.vcpu0.random_access.translation_cycles_per_access'],
    'vmexit': ['vm0.vcpu0.vmexit.self-ipi.cycles_per_iteration'],
}
commits = ['34fc1cb'] + subprocess.check_output(
    ['git', 'log', '--first-parent', '--reverse', '--format=%h', '34fc1cb..' + sys.argv[1]],
    text=True).split()
subj = {c: subprocess.check_output(['git', 'log', '-1', '--format=%s', c], text=True)[:60].strip()
        for c in commits}
for s, names in SPEC.items():
    prev = {}
    for c in commits:
        try:
            g = json.loads(subprocess.check_output(
                ['git', 'show', f'{c}:scenarios/src/test/resources/golden/{s}.json'],
                stderr=subprocess.DEVNULL))
        except subprocess.CalledProcessError:
            continue
        for conf, body in g['configurations'].items():
            for n in names:
                v = body['metrics'].get(n)
                k = (conf, n)
                if k in prev and prev[k] != v:
                    print(f'{s} {conf} {n}: {prev[k]} -> {v} at {c} {subj[c]}')
                elif k not in prev and c != '34fc1cb':
                    print(f'{s} {conf} {n}: (new) {v} at {c} {subj[c]}')
                prev[k] = v
