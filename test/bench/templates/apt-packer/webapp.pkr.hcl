# The same image as templates/apt-service, made by Packer's docker builder:
# the same apt-get install and the same file from the build context (Packer
# runs in it), committed on top of the base release.

variable "base" {
  type = string
}

source "docker" "webapp" {
  image = var.base
  # The base is already in the engine; nothing is pulled.
  pull   = false
  commit = true
  changes = [
    "ENTRYPOINT [\"\"]",
    "CMD [\"/bin/sh\", \"/usr/local/bin/webapp-status\"]",
  ]
}

build {
  sources = ["source.docker.webapp"]

  provisioner "shell" {
    inline = [
      "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*",
    ]
  }

  provisioner "file" {
    source      = "status.sh"
    destination = "/usr/local/bin/webapp-status"
  }
}
