#!/bin/sh
# Runs as root on the build instance, from its user data, before the
# instance powers itself off and is imaged.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends nginx
cat > /var/www/html/index.html <<HTML
<!doctype html>
<title>web ${WEB_VERSION}</title>
<p>${WEB_MESSAGE}</p>
HTML
echo "web ${WEB_VERSION}" > /etc/bake-release
systemctl enable nginx
apt-get clean
rm -rf /var/lib/apt/lists/*
