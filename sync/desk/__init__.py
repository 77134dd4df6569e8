"""The case desk: where the organisation's private key lives (never on the server).

generate_organisation_keys(out_dir, passphrase) -> KeyFiles
load_private_key(path, passphrase) -> X25519PrivateKey
export_submissions(database_url, private_keys, out_dir) -> ExportReport   (via the server's reader)
export_from(source, private_keys, out_dir) -> ExportReport                  (any SubmissionSource)
authorize_code(code, private_key) -> str           (sync.desk.codes: devices can then prove their keys)
open_from(source, private_keys) -> iterator of OpenedInterview | ExportFailure (senders verified)
"""

from sync.desk.export import (
    ExportFailure,
    ExportReport,
    OpenedInterview,
    SubmissionSource,
    export_from,
    export_submissions,
    open_from,
)
from sync.desk.keys import KeyFiles, generate_organisation_keys, load_private_key

__all__ = [
    "ExportFailure",
    "ExportReport",
    "KeyFiles",
    "OpenedInterview",
    "SubmissionSource",
    "export_from",
    "export_submissions",
    "generate_organisation_keys",
    "load_private_key",
    "open_from",
]
