#!/bin/sh
# usage: run-all.sh JAR OUTDIR NAME... : each bundled scenario at full size, one JVM at a time
jar=$1; out=$2; shift 2
mkdir -p "$out"
for s in "$@"; do
  /usr/bin/time -v java -Xmx4g -XX:+UseParallelGC -jar "$jar" run "$s" -q -j 1 -o "$out/$s" > "$out/$s.log" 2>&1
  echo "$s rc=$? $(grep 'Elapsed' "$out/$s.log")" >> "$out/times.txt"
done
