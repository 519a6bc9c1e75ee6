"""Naming the cause when no feasible plan exists.

Shed load and unserved workload energy keep most days feasible; what can
still make a day infeasible is a ramp limit that cannot reach the blocks the
inflexible load needs from ``initial_blocks_on``, or a storage end-of-day
floor that cannot be reached. Both are checked here before solving, in plain
arithmetic, so the dispatcher reads the cause instead of "infeasible".
"""

from __future__ import annotations

from models.dispatch.sets import min_blocks
from models.instance.schema import Instance


class NoFeasiblePlanError(RuntimeError):
    """No plan satisfies the contract; ``cause`` says why in a dispatcher's words."""

    def __init__(self, cause: str) -> None:
        self.cause = cause
        super().__init__(cause)


def ramp_causes(inst: Instance) -> list[str]:
    """Steps whose inflexible load needs more blocks than the ramp from the start allows."""
    causes = []
    for dc in inst.datacenters:
        if dc.initial_blocks_on is None or dc.max_block_change is None:
            continue
        for t in range(inst.steps):
            need = min_blocks(float(dc.inflexible_mw[t]), dc.block_mw)
            reach = dc.initial_blocks_on + (t + 1) * dc.max_block_change
            if need > reach:
                causes.append(
                    f"{dc.id}: step {t} needs {need} blocks for {dc.inflexible_mw[t]:.4g} MW of"
                    f" inflexible load, but initial_blocks_on={dc.initial_blocks_on} and"
                    f" max_block_change={dc.max_block_change} allow at most {reach}"
                )
                break
    return causes


def storage_causes(inst: Instance) -> list[str]:
    """Storage floors at the end of the day that no charging could reach.

    At most ``charge_mw`` can be charged per step, and never more than the
    renewable output plus the import limit of that step (shed load frees the
    whole supply for charging, so the cluster's demand does not reduce it).
    Storages share that supply, which is checked in total as well.
    """
    causes = []
    delta = inst.step_hours
    for sc in inst.scenarios:
        supply = sc.total_renewable_mw if sc.renewable_mw else [0.0] * inst.steps
        supply = [float(r) + inst.grid.import_limit_mw for r in supply]
        shared_need = 0.0
        for st in inst.storage:
            gain = delta * st.charge_efficiency * sum(min(st.charge_mw, s) for s in supply)
            reach = min(st.energy_max_mwh, st.energy_initial_mwh + gain)
            need = st.energy_final_min_mwh
            shared_need += max(0.0, need - st.energy_initial_mwh) / st.charge_efficiency
            if reach < need - 1e-9:
                causes.append(
                    f"{st.id}: scenario {sc.id} must end the day with at least"
                    f" {need:.6g} MWh (energy_final_min_mwh), but starting from"
                    f" {st.energy_initial_mwh:.6g} MWh and charging at most {st.charge_mw:.6g} MW"
                    f" from renewables and import it can reach only {reach:.6g} MWh"
                )
        total_supply = delta * sum(supply)
        if not causes and shared_need > total_supply + 1e-9:
            causes.append(
                f"storage: scenario {sc.id} needs {shared_need:.6g} MWh of charging to meet every"
                f" energy_final_min_mwh, but renewables and import supply only"
                f" {total_supply:.6g} MWh over the day"
            )
    return causes


def find_causes(inst: Instance) -> list[str]:
    """Every cause of infeasibility this module can name (empty when none is found)."""
    return ramp_causes(inst) + storage_causes(inst)
