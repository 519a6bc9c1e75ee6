"""The problem-instance contract (version 1): schema, validation and JSON I/O."""

from models.instance.io import dump_instance, instance_digest, load_instance, parse_instance
from models.instance.schema import DataCenter, Grid, Instance, Scenario, Storage, Workload
from models.instance.validate import InstanceError, validate

__all__ = [
    "DataCenter",
    "Grid",
    "Instance",
    "InstanceError",
    "Scenario",
    "Storage",
    "Workload",
    "dump_instance",
    "instance_digest",
    "load_instance",
    "parse_instance",
    "validate",
]
