"""The demo: what `balie load_demo` puts in an empty database, one module per app (the files
beside them are its data: programme.toml, the videos in media/, a SCORM package). Only the
demo loader and the tests import these modules; the apps never do (import contract)."""
