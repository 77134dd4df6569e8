"""The organisation's directory of services: its model, HSDS 3.0 import and export, and its signature."""

from referral.directory.errors import (
    DirectoryError,
    DirectoryProblem,
    InvalidDirectoryError,
    TamperedDirectoryError,
    UnknownServiceError,
)
from referral.directory.model import Area, Directory, PartnerKeys, Service

__all__ = [
    "Area",
    "Directory",
    "DirectoryError",
    "DirectoryProblem",
    "InvalidDirectoryError",
    "PartnerKeys",
    "Service",
    "TamperedDirectoryError",
    "UnknownServiceError",
]
