from creditloop.entrypoints.cli.main import run

run()
