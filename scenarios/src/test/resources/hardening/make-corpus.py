#!/usr/bin/env python3
"""Writes issue 14's hardening corpus beside this script: one file per case and cases.tsv.

A case is a scenario file (NAME.json) or a list of command-line arguments (NAME.args, one argument
a line, relative to this directory). Each gets an expectation in cases.tsv:

  error@L:C   refused at load, in one line, at line L column C of the case's file
  error@set   refused at load, in one line, blamed on a --set argument
  error@run   refused by `vsim run` in one line before simulating (an option validate has not)
  error       refused in one line (a file-level mistake: no position to give)
  runs        validates and runs (with the case's tiny stop time)
  runs|refused  runs, or is refused before simulating in one line (too large for the heap)

In a scenario text, the character § marks where the error belongs (the offending token); it is
removed from the file and its line and column become the expectation. The corpus is committed;
this script is how it was made: edit it and re-run it rather than editing cases by hand.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "\u00a7"
cases = []  # (name, expectation, description)


def position(text):
    i = text.index(MARK)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return "%d:%d" % (line, col), text.replace(MARK, "", 1)


def scenario(name, text, desc, expect=None):
    if MARK in text:
        pos, text = position(text)
        expect = expect or "error@" + pos
    assert expect, name
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    cases.append((name, expect, desc))


def raw(name, data, expect, desc):
    with open(os.path.join(HERE, name + ".json"), "wb") as f:
        f.write(data)
    cases.append((name, expect, desc))


def args(name, argv, expect, desc):
    with open(os.path.join(HERE, name + ".args"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(argv) + "\n")
    cases.append((name, expect, desc))


# A small valid scenario; mutations of its lines make the malformed cases.
BASE = """{
  "name": "t",
  "seed": 1,
  "host": {"profile": "xeon-gold-6142"},
  "vms": [
    {
      "name": "vm0",
      "vcpus": 1,
      "memory": "64MiB",
      "workload": {"type": "vmexit", "tests": ["cpuid"], "iterations": 100}
    }
  ],
  "stop": {"after": "10us"}
}
"""


def mutate(old, new):
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def vm_field(old, new):
    return mutate(old, new)


def with_workload(w):
    return mutate('{"type": "vmexit", "tests": ["cpuid"], "iterations": 100}', w)


def with_top(extra):
    """Adds top-level members after "seed"."""
    return mutate('"seed": 1,\n', '"seed": 1,\n' + extra)


n = [0]


def m(slug):
    n[0] += 1
    return "m%03d-%s" % (n[0], slug)


# ---- JSON syntax -------------------------------------------------------------------------------
scenario(m("missing-comma"), mutate('"seed": 1,\n  "host"', '"seed": 1\n  §"host"'),
         "two members without a comma between them")
scenario(m("trailing-comma-object"), mutate('"after": "10us"}', '"after": "10us",§}'),
         "a comma before a closing brace")
scenario(m("trailing-comma-array"), mutate('["cpuid"]', '["cpuid",§]'),
         "a comma before a closing bracket")
scenario(m("unclosed-object"), BASE.rstrip("\n")[:-1] + "§", "the file ends inside the top object")
scenario(m("unclosed-string"), mutate('"name": "t",', '"name": "t,§\n'),
         "a string not closed on its line")
scenario(m("single-quotes"), mutate('"name": "t",', "\"name\": §'t',"), "a string in single quotes")
scenario(m("unquoted-key"), mutate('"seed": 1,', "§seed: 1,"), "a key without quotes")
scenario(m("missing-colon"), mutate('"seed": 1,', '"seed" §1,'), "a key without its colon")
scenario(m("extra-closing-brace"), BASE.rstrip("\n") + "\n§}\n", "one closing brace too many")
scenario(m("two-documents"), BASE + "§{}\n", "a second JSON value after the scenario")
scenario(m("raw-tab-in-string"), mutate('"name": "t",', '"name": "t§\tx",'),
         "a raw tab inside a string")
scenario(m("bad-escape"), mutate('"name": "t",', '"name": "t\\§q",'), "an unknown escape \\q")
scenario(m("leading-zero"), mutate('"seed": 1,', '"seed": §01,'), "a number with a leading zero")
scenario(m("plus-sign"), mutate('"seed": 1,', '"seed": §+1,'), "a number with a plus sign")
scenario(m("hex-number"), mutate('"seed": 1,', '"seed": 0§x10,'), "a hexadecimal number")
scenario(m("leading-dot"), mutate('"seed": 1,', '"seed": §.5,'), "a number without its leading 0")
scenario(m("infinity"), mutate('"seed": 1,', '"seed": §Infinity,'), "Infinity is not JSON")
scenario(m("nan"), mutate('"seed": 1,', '"seed": §NaN,'), "NaN is not JSON")
scenario(m("misspelt-true"), mutate('"seed": 1,', '"seed": 1,\n  "hypervisor": {"pml": §ture},'),
         "a misspelt literal")
scenario(m("line-comment"), mutate('"seed": 1,\n', '"seed": 1,\n  §// the host\n'),
         "a // comment")
scenario(m("block-comment"), mutate('"seed": 1,\n', '"seed": 1,\n  §/* the host */\n'),
         "a /* */ comment")
scenario(m("hash-comment"), mutate('"seed": 1,\n', '"seed": 1,\n  §# the host\n'), "a # comment")
scenario(m("bom"), "\ufeff" + BASE.replace("{", "§{", 1), "a byte order mark before the object",
         expect="error@1:1")
scenario(m("deep-arrays"), mutate('"seed": 1,', '"seed": ' + "[" * 63 + "§" + "[" * 20 + "1"
         + "]" * 83 + ","), "arrays nested 84 deep")
scenario(m("deep-objects"), mutate('"seed": 1,', '"seed": ' + '{"a":' * 63 + '§{"a":' + '{"a":' * 10
         + "1" + "}" * 74 + ","), "objects nested 74 deep")
scenario(m("deep-unclosed-line"), '{"a":\n' + "[" * 63 + "§" + "[" * 7 + "\n}\n",
         "brackets left open, 70 deep, on one line")
scenario(m("empty-file"), "§", "an empty file", expect="error@1:1")
scenario(m("whitespace-only"), "\n\n  \n", "only white space (reported as empty, at 1:1)",
         expect="error@1:1")
scenario(m("top-level-array"), "§[" + BASE.rstrip("\n") + "]\n", "an array of scenarios")
scenario(m("top-level-string"), '§"vmexit"\n', "a string instead of an object")
scenario(m("top-level-number"), "§42\n", "a number instead of an object")
scenario(m("top-level-null"), "§null\n", "null instead of an object")
raw(m("latin1-in-string"), BASE.replace('"name": "t"', '"name": "caf\u00e9"').encode("latin-1"),
    "error@2:15", "a Latin-1 byte (0xE9) in a string")
raw(m("latin1-in-key"), BASE.replace('"seed"', '"s\u00e9ed"').encode("latin-1"), "error@3:5",
    "a Latin-1 byte in a key")
raw(m("bad-continuation"), BASE.encode().replace(b'"name": "t"', b'"name": "t\xc3("'), "error@2:13",
    "a UTF-8 lead byte without its continuation")
raw(m("overlong-utf8"), BASE.encode().replace(b'"name": "t"', b'"name": "t\xc0\xaf"'), "error@2:13",
    "an overlong UTF-8 sequence")
raw(m("utf16"), b"\xff\xfe" + BASE.encode("utf-16-le"), "error@1:1",
    "the scenario saved as UTF-16 with a byte order mark")
raw(m("nul-byte"), BASE.encode().replace(b'"seed": 1,', b'"seed": 1,\x00'), "error@3:13",
    "a NUL byte between members")
raw(m("long-string"), BASE.encode().replace(b'"name": "t",', b'"name": "t", "description": "'
    + b"x" * 1100000 + b'",'), "error",
    "a 1.1 MB file (a description of a million characters)")
scenario(m("duplicate-top-key"), mutate('"seed": 1,', '"seed": 1,\n  §"seed": 2,'),
         "a key given twice")
scenario(m("duplicate-vm-key"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      §"vcpus": 2,'),
         "a VM key given twice")

# ---- types and values --------------------------------------------------------------------------
scenario(m("vcpus-huge-exponent"), vm_field('"vcpus": 1,', '"vcpus": §1e400,'),
         "vcpus of 1e400")
scenario(m("vcpus-fraction"), vm_field('"vcpus": 1,', '"vcpus": §1.5,'), "vcpus of 1.5")
scenario(m("vcpus-string"), vm_field('"vcpus": 1,', '"vcpus": §"2",'), "vcpus as a string")
scenario(m("vcpus-boolean"), vm_field('"vcpus": 1,', '"vcpus": §true,'), "vcpus as a boolean")
scenario(m("vcpus-negative"), vm_field('"vcpus": 1,', '"vcpus": §-1,'), "vcpus of -1")
scenario(m("vcpus-zero"), vm_field('"vcpus": 1,', '"vcpus": §0,'), "vcpus of 0")
scenario(m("vcpus-too-many"), vm_field('"vcpus": 1,', '"vcpus": §2000,'), "vcpus of 2000")
scenario(m("vcpus-int-overflow"), vm_field('"vcpus": 1,', '"vcpus": §99999999999,'),
         "vcpus past an int")
scenario(m("vcpus-array"), vm_field('"vcpus": 1,', '"vcpus": §[1],'), "vcpus as an array")
scenario(m("memory-number"), vm_field('"memory": "64MiB",', '"memory": §67108864,'),
         "memory without a unit")
scenario(m("memory-gb"), vm_field('"memory": "64MiB",', '"memory": §"1GB",'),
         "memory in GB (decimal units are not sizes here)")
scenario(m("memory-space"), vm_field('"memory": "64MiB",', '"memory": §"64 MiB",'),
         "memory with a space before its unit")
scenario(m("memory-unit-only"), vm_field('"memory": "64MiB",', '"memory": §"MiB",'),
         "memory without a number")
scenario(m("memory-negative"), vm_field('"memory": "64MiB",', '"memory": §"-64MiB",'),
         "negative memory")
scenario(m("memory-zero"), vm_field('"memory": "64MiB",', '"memory": §"0GiB",'), "zero memory")
scenario(m("memory-unaligned"), vm_field('"memory": "64MiB",', '"memory": §"1000KiB",'),
         "memory below 1 MiB")
scenario(m("memory-overflow"), vm_field('"memory": "64MiB",', '"memory": §"99999999999999999999GiB",'),
         "memory past 64 bits")
scenario(m("memory-lowercase-unit"), vm_field('"memory": "64MiB",', '"memory": §"64mib",'),
         "a unit in the wrong case")
scenario(m("stop-space"), mutate('"after": "10us"', '"after": §"10 us"'), "\"10 us\" with a space")
scenario(m("stop-space-ms"), mutate('"after": "10us"', '"after": §"10 ms"'), "\"10 ms\" with a space")
scenario(m("stop-no-unit"), mutate('"after": "10us"', '"after": §"10"'), "a time without a unit")
scenario(m("stop-number"), mutate('"after": "10us"', '"after": §10'), "a time as a bare number")
scenario(m("stop-bad-unit"), mutate('"after": "10us"', '"after": §"10mss"'), "a misspelt time unit")
scenario(m("stop-negative"), mutate('"after": "10us"', '"after": §"-5ms"'), "a negative time")
scenario(m("stop-zero"), mutate('"after": "10us"', '"after": §"0s"'), "a stop time of zero")
scenario(m("stop-unit-only"), mutate('"after": "10us"', '"after": §"ms"'), "a unit without a number")
scenario(m("stop-not-object"), mutate('"stop": {"after": "10us"}', '"stop": §"10us"'),
         "stop as a string")
# ---- keys --------------------------------------------------------------------------------------
scenario(m("unknown-top-key"), with_top('  §"vm": [],\n'), "\"vm\" for \"vms\"")
scenario(m("unknown-vm-key"), vm_field('"vcpus": 1,', '§"vcpu": 1,'), "\"vcpu\" for \"vcpus\"")
scenario(m("unknown-workload-key"), with_workload('{"type": "vmexit", §"iteration": 100}'),
         "\"iteration\" for \"iterations\"")
scenario(m("unknown-host-key"), mutate('{"profile": "xeon-gold-6142"}', '{§"profil": "xeon-gold-6142"}'),
         "\"profil\" for \"profile\"")
scenario(m("unknown-stop-key"), mutate('{"after": "10us"}', '{§"before": "10us"}'),
         "a stop condition that does not exist")
scenario(m("unknown-hypervisor-key"), with_top('  "hypervisor": {§"pagin": "ept"},\n'),
         "\"pagin\" for \"paging\"")
scenario(m("other-workloads-key"), with_workload('{"type": "vmexit", §"accesses": 100}'),
         "random-access's key in a vmexit workload")
scenario(m("key-case"), vm_field('"vcpus": 1,', '§"VCPUs": 1,'), "a key in the wrong case")
# ---- plug points and names ---------------------------------------------------------------------
scenario(m("unknown-workload-type"), with_workload('{"type": §"vmexits"}'), "a workload type misspelt")
scenario(m("workload-without-type"), with_workload('§{"iterations": 100}'), "a workload without a type")
scenario(m("workload-type-number"), with_workload('{"type": §3}'), "a workload type as a number")
scenario(m("workload-string"), with_workload('§"vmexit"'), "a workload as a string")
scenario(m("unknown-test"), with_workload('{"type": "vmexit", "tests": [§"cpuidd"]}'),
         "a vmexit test misspelt")
scenario(m("tests-empty"), with_workload('{"type": "vmexit", "tests": §[]}'), "no vmexit tests")
scenario(m("tests-not-array"), with_workload('{"type": "vmexit", "tests": §"cpuid"}'),
         "tests as a string")
scenario(m("iterations-zero"), with_workload('{"type": "vmexit", "iterations": §0}'),
         "zero iterations")
scenario(m("iterations-negative"), with_workload('{"type": "vmexit", "iterations": §-5}'),
         "negative iterations")
scenario(m("iterations-string"), with_workload('{"type": "vmexit", "iterations": §"many"}'),
         "iterations as a word")
scenario(m("unknown-profile"), mutate('"xeon-gold-6142"', '§"xeon"'), "an unknown host profile")
scenario(m("profile-number"), mutate('"xeon-gold-6142"', "§6142"), "a profile as a number")
scenario(m("unknown-paging"), with_top('  "hypervisor": {"paging": §"npt"},\n'),
         "AMD's name for nested paging")
scenario(m("unknown-fault-design"), with_top('  "hypervisor": {"faultDesign": §"eager"},\n'),
         "a fault design that does not exist")
scenario(m("unknown-host-scheduler"), with_top('  "hypervisor": {"hostScheduler": §"fifo"},\n'),
         "a host scheduler that does not exist")
scenario(m("unknown-idle-governor"), mutate('{"profile": "xeon-gold-6142"}',
         '{"profile": "xeon-gold-6142", "idleGovernor": §"teo"}'), "an idle governor not modelled")
scenario(m("guest-page-3k"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      "guestPageSize": §"3KiB",'),
         "a guest page size x86 has not")
scenario(m("host-page-8k"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      "hostPageSize": §"8KiB",'),
         "a host page size x86 has not")
scenario(m("paging-levels-3"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      "pagingLevels": §3,'),
         "three paging levels")
scenario(m("unknown-backing"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      "backing": §"swap",'),
         "a backing that does not exist")
scenario(m("unknown-memory-policy"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      "memoryPolicy": §"spread",'),
         "a NUMA policy that does not exist")
scenario(m("unknown-cache-model"), vm_field('"vcpus": 1,', '"vcpus": 1,\n      "cacheModel": §"perfect",'),
         "a cache model that does not exist")
scenario(m("apicv-string"), with_top('  "hypervisor": {"enableApicv": §"yes"},\n'),
         "a boolean as a word")
scenario(m("ple-window-space"), with_top('  "hypervisor": {"pleWindow": §"4 us"},\n'),
         "a PLE window with a space")
scenario(m("harvest-every-word"), with_top('  "hypervisor": {"dirtyLogging": {"harvestEvery": §"often"}},\n'),
         "harvestEvery as a word")
scenario(m("working-set-space"), with_workload('{"type": "random-access", "workingSet": §"32 MiB"}'),
         "a working set with a space")
scenario(m("cpu-bench-preset"), with_workload('{"type": "cpu-bench", "preset": §"nope"}'),
         "an unknown cpu-bench preset")
scenario(m("ipi-mode"), with_workload('{"type": "ipi-bench", "mode": §"multicast"}'),
         "an unknown IPI mode")
scenario(m("stage-work-not-list"), with_workload('{"type": "shootdown", "preset": "dedup", "stageWork": §"1us"}'),
         "stageWork as one time")
# ---- the scenario's shape ----------------------------------------------------------------------
scenario(m("vms-object"), mutate('"vms": [', '"vms": §{"vm0":').replace("    }\n  ],", "    }\n  },"),
         "vms as an object")
scenario(m("vms-empty"), '{\n  "name": "t",\n  "vms": §[]\n}\n', "\"vms\": []")
scenario(m("vms-missing"), '§{\n  "name": "t",\n  "stop": {"after": "10us"}\n}\n', "no vms")
scenario(m("vm-string"), '{\n  "name": "t",\n  "vms": [§"vm0"]\n}\n', "a VM as a string")
scenario(m("name-missing"), BASE.replace('  "name": "t",\n', "").replace("{", "§{", 1),
         "a scenario without a name")
scenario(m("name-spaces"), mutate('"name": "t",', '"name": §"My Scenario",'),
         "a scenario name with capitals and a space")
scenario(m("name-empty"), mutate('"name": "t",', '"name": §"",'), "an empty scenario name")
scenario(m("vm-name-upper"), vm_field('"name": "vm0",', '"name": §"VM",'), "a VM name in capitals")
scenario(m("vm-name-digit"), vm_field('"name": "vm0",', '"name": §"0vm",'),
         "a VM name that starts with a digit")
scenario(m("vm-name-dash"), vm_field('"name": "vm0",', '"name": §"vm-a",'), "a VM name with a dash")
scenario(m("vm-names-twice"), mutate("    }\n  ],", '    },\n    {"name": §"vm0", "workload": {"type": "vmexit"}}\n  ],'),
         "two VMs of one name")
scenario(m("seed-string"), mutate('"seed": 1,', '"seed": §"one",'), "a seed as a word")
scenario(m("seed-fraction"), mutate('"seed": 1,', '"seed": §1.5,'), "a seed of 1.5")
scenario(m("description-number"), with_top('  "description": §5,\n'), "a description as a number")
scenario(m("published-not-array"), with_top('  "published": §{},\n'), "published as an object")
scenario(m("published-missing-metric"), with_top(
    '  "published": [§{"quantity": "q", "low": 1, "high": 2, "unit": "cycles", "source": "s"}],\n'),
    "a published figure without its metric")
# ---- variants ----------------------------------------------------------------------------------
scenario(m("variants-array"), with_top('  "variants": §[],\n'), "variants as an array")
scenario(m("variant-not-object"), with_top('  "variants": {"x": §1},\n'), "a variant as a number")
scenario(m("variant-unknown-key"), with_top('  "variants": {"x": {§"/vms/0/vcpuz": 2}},\n'),
         "a variant that creates an unknown key")
scenario(m("variant-no-slash"), with_top('  "variants": {"x": {§"vms/0/vcpus": 2}},\n'),
         "a variant pointer without its leading slash")
scenario(m("variant-index-out-of-range"), with_top('  "variants": {"x": {§"/vms/5/vcpus": 2}},\n'),
         "a variant pointer past the VMs")
scenario(m("variant-bad-value"), with_top('  "variants": {"x": {"/vms/0/vcpus": §"two"}},\n'),
         "a variant that gives a word for vcpus")
scenario(m("variant-bad-unit"), with_top('  "variants": {"x": {"/stop/after": §"1 ms"}},\n'),
         "a variant with \"1 ms\"")
scenario(m("variant-bad-name"), with_top('  "variants": {§"X Y": {"/vms/0/vcpus": 2}},\n'),
         "a variant name with capitals and a space")
# ---- host.overrides ----------------------------------------------------------------------------
HOST = '{"profile": "xeon-gold-6142"}'
scenario(m("override-unknown-pointer"), mutate(HOST, '{"profile": "xeon-gold-6142", "overrides": {§"/tlb/nope/x": 1}}'),
         "an override pointer into nothing (the fuzzer's 93-byte input)")
scenario(m("override-bad-escape"), mutate(HOST, '{"profile": "xeon-gold-6142", "overrides": {§"/t~x": 1}}'),
         "an override pointer with a bad ~ escape")
scenario(m("override-wrong-type"), mutate(HOST, '{"profile": "xeon-gold-6142", "overrides": {"/tlb/stlb/entries": §"big"}}'),
         "an override of a number with a word")
scenario(m("override-not-object"), mutate(HOST, '{"profile": "xeon-gold-6142", "overrides": §"fast"}'),
         "overrides as a string")
scenario(m("override-ways-not-dividing"), mutate(HOST, '{"profile": "xeon-gold-6142", "overrides": {"tlb": {"stlb": {"entries": §8}}}}'),
         "an STLB of 8 entries that 12 ways do not divide")
scenario(m("override-unknown-nested"), mutate(HOST, '{"profile": "xeon-gold-6142", "overrides": {"caches": {§"l4": {}}}}'),
         "a cache level the profile has not")

# ---- command-line mistakes (.args) ---------------------------------------------------------------
OK = "m000-valid.json"
with open(os.path.join(HERE, OK), "w", encoding="utf-8", newline="\n") as f:
    f.write(BASE)
args(m("set-without-equals"), [OK, "--set", "/vms/0/vcpus"], "error@set", "--set without =")
args(m("set-without-slash"), [OK, "--set", "vms/0/vcpus=2"], "error@set", "--set pointer without /")
args(m("set-bad-json"), [OK, "--set", "/vms/0/vcpus={"], "error@set", "--set with broken JSON")
args(m("set-variants"), [OK, "--set", "/variants/x=1"], "error@set", "--set /variants/x=1")
args(m("set-unknown-key"), [OK, "--set", "/vms/0/vcpuz=2"], "error@set", "--set of an unknown key")
args(m("set-index-out-of-range"), [OK, "--set", "/vms/3/vcpus=2"], "error@set",
     "--set past the VMs")
args(m("set-ten-ms"), [OK, "--set", '/stop/after="10 ms"'], "error@set", '--set "10 ms"')
args(m("set-memory-number"), [OK, "--set", "/vms/0/memory=64"], "error@set",
     "--set memory without a unit")
args(m("set-empty-pointer"), [OK, "--set", "=1"], "error@set", "--set of the whole document")
args(m("set-nan"), [OK, "--set", "/seed=NaN"], "error@set", "--set NaN")
args(m("unknown-variant"), [OK, "--variant", "nope"], "error@run", "--variant that the file has not")
args(m("no-such-file"), ["no-such-file.json"], "error", "a file that does not exist")
args(m("directory"), ["."], "error", "a directory instead of a file")
args(m("unknown-bundled"), ["vmexitt"], "error", "a bundled name misspelt")
args(m("dev-zero"), ["/dev/zero"], "error", "vsim validate /dev/zero (endless input)")
MALFORMED = len(cases)

# ---- well-formed but impossible (issue 14's reproductions and their kin) -----------------------
k = [0]


def i(slug):
    k[0] += 1
    return "i%03d-%s" % (k[0], slug)


S = "--set"
STOP = [S, '/stop/after="10us"']
CPU = [S, '/vms/0/workload={"type": "cpu-bench"}', S, '/host/idleGovernor="menu"']
args(i("cpu-bench-zero-duration"), [OK] + CPU + [S, '/vms/0/workload/duration="0cycles"'],
     "error@set", "cpu-bench with a zero duration")
args(i("cpu-bench-no-burst-no-idle"), [OK] + CPU + [S, '/vms/0/workload/burst="0cycles"', S,
     '/vms/0/workload/idleTime="0cycles"'], "error@set", "cpu-bench with zero burst and idle")
args(i("harvest-every-zero"), [OK, S, '/hypervisor/dirtyLogging={"harvestEvery": "0cycles"}'],
     "error@set", "dirtyLogging.harvestEvery of 0")
args(i("llc-7-ways"), [OK, S, '/host/overrides={"/caches/llc/ways": 7}'], "error@set",
     "LLC 22 MiB, 7 ways")
args(i("bit-plru-128-ways"), [OK, S, '/host/overrides={"/caches/l2/replacement": "bit-plru", '
     '"/caches/l2/ways": 128, "/caches/l2/size": "8MiB"}'], "error@set", "bit-plru over 64 ways")
args(i("base-hz-9e18"), [OK, S, '/host/overrides={"/frequency/baseHz": 9000000000000000000, '
     '"/frequency/maxTurboHz": 9000000000000000000}'], "error@set", "baseHz 9e18")
args(i("threads-overflow-int"), [OK, S, '/host/overrides={"/topology/coresPerSocket": 1073741824}'],
     "error@set", "a topology whose thread count overflows an int")
args(i("million-cores"), [OK, S, '/host/overrides={"/topology/coresPerSocket": 1000000}'],
     "error@set", "a million cores per socket")
args(i("stop-1ps"), [OK, S, '/stop/after="1ps"'], "error@set", "stop.after 1 ps (below one cycle)")
args(i("stop-past-range"), [OK, S, '/stop/after="4611686018427387904cycles"'], "error@set",
     "stop.after past the time range")
args(i("loop-cycles-2-62"), [OK, S, "/vms/0/workload/iterations=4", S,
     "/vms/0/workload/loopCycles=4611686018427387904"], "error@set",
     "loopCycles 2^62 with 4 iterations")
args(i("iterations-1e16-stop-1ms"), [OK, S, "/vms/0/workload/iterations=10000000000000000", S,
     '/stop/after="1ms"'], "runs", "iterations 1e16 with stop 1 ms (cut off)")
args(i("cut-off-batched"), ["vmexit", "--variant", "base", S, "/vms/0/workload/iterations=1000", S,
     '/vms/0/workload/tests=["cpuid"]', S, "/stop/after=100us"], "runs",
     "vmexit cut off at 100 us (batching exact at a cut-off)")
args(i("large-pages-64tib"), ["large-pages", "--variant", "base", S, "/vms/0/memory=64TiB", S,
     "/vms/0/workload/accesses=20000", S, "/vms/0/workload/warmup=0"] + STOP, "error@set",
     "64 TiB on large-pages (beyond the 4 TiB layout)")
args(i("large-pages-4tib"), ["large-pages", "--variant", "base", S, "/vms/0/memory=4TiB", S,
     "/vms/0/workload/accesses=20000", S, "/vms/0/workload/warmup=0"] + STOP, "runs|refused",
     "4 TiB on large-pages: tables for what is touched, or refused before simulating")
args(i("4tib-prefault"), [OK, S, '/vms/0/memory="4TiB"', S, '/hypervisor/faultDesign="prefault"',
     S, '/vms/0/workload={"type": "random-access", "workingSet": "1MiB", "accesses": 100}'],
     "runs|refused",
     "4 TiB pre-faulted: a whole EPT, refused before simulating with the heap to give")
args(i("no-such-dir"), ["/no/such/dir/vmexit.json"], "error",
     "/no/such/dir/vmexit.json (not the bundled vmexit)")
args(i("prefault-native"), [OK, S, '/hypervisor={"paging": "native", "faultDesign": "prefault"}'],
     "error@set", "pre-faulting under native paging")
args(i("buffer-larger-than-memory"), [OK, S, '/vms/0/workload={"type": "shootdown"}', S,
     '/vms/0/memory="16MiB"'], "error@set", "a shootdown buffer larger than the VM")
args(i("memory-5tib"), [OK, S, '/vms/0/memory="5TiB"'], "error@set", "5 TiB of guest memory")
args(i("two-vms-one-name"), [OK, S, '/vms/1={"workload": {"type": "vmexit"}}', S,
     '/vms/0/name="vm1"'], "error@set", "two VMs named vm1 (one by default)")
args(i("stop-1-cycle"), [OK, S, '/stop/after="1cycle"'], "runs", "stop.after of one cycle")
args(i("sockets-zero"), [OK, S, '/host/overrides={"/topology/sockets": 0}'], "error@set",
     "a host of no sockets")
args(i("threads-per-core-zero"), [OK, S, '/host/overrides={"/topology/threadsPerCore": 0}'],
     "error@set", "cores of no threads")
args(i("llc-ways-zero"), [OK, S, '/host/overrides={"/caches/llc/ways": 0}'], "error@set",
     "an LLC of zero ways")
args(i("line-bytes-48"), [OK, S, '/host/overrides={"/caches/lineBytes": 48}'], "error@set",
     "48-byte cache lines")
args(i("dram-bandwidth-zero"), [OK, S, '/host/overrides={"/dram/bandwidthBytesPerSecond": 0}'],
     "error@set", "DRAM of no bandwidth")
args(i("negative-latency"), [OK, S, '/host/overrides={"/caches/l2/latencyCycles": -1}'],
     "error@set", "a negative L2 latency")
args(i("stlb-zero-entries"), [OK, S, '/host/overrides={"/tlb/stlb/entries": 0}'], "error@set",
     "an STLB of no entries")
args(i("turbo-below-base"), [OK, S, '/host/overrides={"/frequency/maxTurboHz": 1000000000}'],
     "error@set", "a turbo frequency below the base frequency")
args(i("one-hertz"), [OK, S, '/host/overrides={"/frequency/baseHz": 1, "/frequency/maxTurboHz": 1}'],
     "error@set", "a 1 Hz clock, so 10 us is below one cycle")
args(i("loop-cycles-negative"), [OK, S, "/vms/0/workload/loopCycles=-1"], "error@set",
     "negative loopCycles")
args(i("iterations-long-max"), [OK, S, "/vms/0/workload/iterations=9223372036854775807"],
     "error@set", "iterations of Long.MAX_VALUE: the loops pass the time range")
args(i("dirty-log-perf-too-big"), [OK, S, '/vms/0/workload={"type": "dirty-log-perf", '
     '"bytesPerVcpu": "1GiB"}'], "error@set", "dirty-log-perf touching more than the VM has")
args(i("write-percent-101"), [OK, S, '/vms/0/workload={"type": "dirty-log-perf", '
     '"bytesPerVcpu": "1MiB", "writePercent": 101}'], "error@set", "writePercent of 101")
args(i("ipi-bench-zero-iterations"), [OK, S, '/vms/0/workload={"type": "ipi-bench", '
     '"iterations": 0}'], "error@set", "ipi-bench of zero iterations")
args(i("working-set-beyond-memory"), [OK, S, '/vms/0/workload={"type": "random-access", '
     '"workingSet": "1GiB"}'], "error@set", "a working set larger than the VM")
args(i("zero-accesses"), [OK, S, '/vms/0/workload={"type": "random-access", "workingSet": '
     '"1MiB", "accesses": 0}'], "error@set", "random-access of zero accesses")
args(i("cpu-bench-zero-copies"), [OK] + CPU + [S, "/vms/0/workload/copies=0"], "runs",
     "cpu-bench of zero copies (every vCPU idles between ticks)")
args(i("halt-poll-grow-zero"), [OK, S, '/hypervisor/haltPolling={"grow": 0}'], "runs",
     "halt_poll_ns_grow of 0 (KVM's way to keep the window from growing)")
args(i("1024-vcpus"), [OK, S, "/vms/0/vcpus=1024", S, '/hypervisor/hostScheduler="cfs"'], "runs",
     "1,024 vCPUs on 64 threads under the CFS-like host scheduler")
args(i("1024-vcpus-no-scheduler"), [OK, S, "/vms/0/vcpus=1024"], "error@set",
     "1,024 vCPUs on 64 threads, each on a thread of its own")
args(i("five-level-paging"), [OK, S, "/vms/0/pagingLevels=5"], "runs", "5-level paging")
args(i("ebizzy-tiny"), ["ebizzy"] + STOP, "runs", "ebizzy, every variant, 10 us")
args(i("dirty-log-perf-tiny"), ["dirty-log-perf"] + STOP, "runs", "dirty-log-perf, 10 us")

with open(os.path.join(HERE, "cases.tsv"), "w", encoding="utf-8", newline="\n") as f:
    f.write("# case\texpectation\twhat it tries (see make-corpus.py)\n")
    for c in cases:
        f.write("\t".join(c) + "\n")
print("%d malformed, %d impossible" % (MALFORMED, len(cases) - MALFORMED), file=sys.stderr)
