"""Waypoint and the field's exchange formats: XLSForm in and out, HTCDS 2.0 out.

    xlsform_import   an XLSForm (.xlsx/.xls, read by pyxform) -> a draft protocol (status: imported)
    xlsform_export   a protocol -> an XLSForm that pyxform converts to an XForm (ODK, Kobo)
    htcds            opened interviews -> HTCDS 2.0 rows (CSV, XLSX or JSON)

Kept out of `screening_protocols` so the pure engine never imports pyxform or openpyxl.
See docs/interop.md.
"""

from __future__ import annotations
