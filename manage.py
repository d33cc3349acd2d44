#!/usr/bin/env python
from balie.__main__ import main

if __name__ == "__main__":
    main()
