#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md, side by side in one run, and writes the plot.
# Usage: benchmarks/run-all.sh   (from the repository root; builds the benchmarks module first)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -Pbenchmarks -pl benchmarks -am package -DskipTests
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target/results
mkdir -p "$out"
# the routing decision alone: in memory at 1 and 2 threads, Redis at 1 and 8 callers
for threads in 1 2; do
  java -jar "$jar" RoutingDecisionBenchmark -p store=memory -p deployments=3,30 -t "$threads" \
    -rf json -rff "$out/memory-t$threads.json" | tee "$out/memory-t$threads.txt"
done
for threads in 1 8; do
  java -jar "$jar" RoutingDecisionBenchmark -p store=redis -p deployments=3,30 -t "$threads" \
    -rf json -rff "$out/redis-t$threads.json" | tee "$out/redis-t$threads.txt"
done
# the load simulation, which also draws benchmarks/target/usage-over-time.png
java -cp "$jar" io.github.airouter.benchmarks.LoadSimulation benchmarks/target/usage-over-time.png | tee "$out/load-simulation.txt"
