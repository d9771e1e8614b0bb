"""lake2oci's Spark job runtime, one module per concern, each importing what it uses.

codegen/build-app.ts flattens the package into the one file Data Flow runs, dist/app.py: the modules in dependency
order (driver.py, the entry point, last), their imports of each other and of the translated core dropped. The
translated core is the module lake2oci_core (`tsx codegen/build-app.ts --core-module FILE` writes it); this package
imports it by that name and never holds generated code.
"""
