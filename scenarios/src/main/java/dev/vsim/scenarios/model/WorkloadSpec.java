package dev.vsim.scenarios.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a VM's vCPUs run, selected by {@code "type"}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = VmexitWorkloadSpec.class, name = "vmexit"),
  @JsonSubTypes.Type(value = RandomAccessWorkloadSpec.class, name = "random-access"),
  @JsonSubTypes.Type(value = DirtierWorkloadSpec.class, name = "dirtier"),
  @JsonSubTypes.Type(value = IpiBenchWorkloadSpec.class, name = "ipi-bench"),
  @JsonSubTypes.Type(value = ShootdownWorkloadSpec.class, name = "shootdown"),
  @JsonSubTypes.Type(value = CpuBenchWorkloadSpec.class, name = "cpu-bench")
})
public sealed interface WorkloadSpec
    permits VmexitWorkloadSpec,
        RandomAccessWorkloadSpec,
        DirtierWorkloadSpec,
        IpiBenchWorkloadSpec,
        ShootdownWorkloadSpec,
        CpuBenchWorkloadSpec {}
