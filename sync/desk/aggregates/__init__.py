"""The desk's aggregates: tables of counts, the k = 11 rule, differentially private shared files.

build_tables(cases, referrals) -> [Table]                 (sync.desk.aggregates.tables)
suppress(table) -> SuppressedTable                        (k = 11 and complementary suppression)
release_tables(tables, epsilon) -> [SuppressedTable]      (OpenDP discrete Laplace, then suppression)
PrivacyLedger(path).charge(period, epsilon)               (the per-period budget; refuses overspending)
signed_release(...) / verified(...) / combine(...)        (the signed shared file and the combined view)
"""
