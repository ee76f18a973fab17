#!/bin/sh
# Prints what the image carries: the file that proves the COPY, and curl.
echo "webapp: $(curl --version | head -n 1)"
