"""What every layer shares: the root error and its codes (`errors`), the `N_` marker (`i18n`), bundled
resources (`resources`) and the private data folder (`data_folder`).

Core imports nothing of the app, sync, the engine or the CLI (an import-linter contract).
"""
