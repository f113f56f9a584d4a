#!/usr/bin/env bash
# Runs a command once per image of the test matrix, with REPLIKIT_IMAGE set to it: the example
# suite, written as an application would, runs against every flavour the integration tests do.
set -euo pipefail
IFS=, read -ra images <<< "${REPLIKIT_TEST_IMAGES:-replikit/mariadb:10.11,replikit/mariadb:11.8,replikit/mysql:9.7}"
for image in "${images[@]}"; do
  echo "each-image: $* on $image"
  REPLIKIT_IMAGE="$image" "$@"
done
