#!/bin/sh
# Builds the jar of each first-parent merge of issue 11, then runs the scenarios whose
# attribution needs it at full size, one JVM at a time.
set -u
for c in 284fa4e df27d3f 7846750 19b837d ba0cd07 5d3f8ed; do
  wt=/tmp/fid/wt-$c
  git -C /work/main worktree add -q --detach $wt $c
  (cd $wt && ./mvnw -B -q -o -DskipTests package > /tmp/fid/build-$c.log 2>&1)
  cp $wt/scenarios/target/vsim.jar /tmp/jars/$c.jar
  git -C /work/main worktree remove --force $wt
done
for c in 284fa4e df27d3f 7846750 19b837d ba0cd07 5d3f8ed; do
  /tmp/fid/run-all.sh /tmp/jars/$c.jar /tmp/fid/at-$c dirty-logging ipi-bench idle-exits tlb-shootdown
  java -Xmx4g -XX:+UseParallelGC -jar /tmp/jars/$c.jar run ept-fault-designs -q -j 1 \
    --variant tdp-mmu-4k --variant prefault-4k --variant mmu-lock-2m -o /tmp/fid/at-$c/ept-fault-designs \
    > /tmp/fid/at-$c/ept.log 2>&1
done
echo done > /tmp/fid/steps-build.done
