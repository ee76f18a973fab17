# A Docker image baked by Packer's docker builder on top of a base release.
# bake passes version, git_commit, image and base (the base release, by
# digest) with -var, and runs Packer in the image's build context, so a
# "file" provisioner can upload from it.

variable "version" {
  type = string
}

variable "git_commit" {
  type    = string
  default = ""
}

variable "image" {
  type = string
}

variable "base" {
  type = string
}

source "docker" "debian" {
  image = var.base
  # The base is a release bake baked: it is already in the engine, and no
  # registry outside it is reachable.
  pull   = false
  commit = true
  # Packer starts the container with --entrypoint=/bin/sh and a terminal;
  # reset both so the image runs its CMD like any other.
  changes = [
    "ENTRYPOINT [\"\"]",
    "CMD [\"cat\", \"/etc/bake-release\"]",
    "LABEL org.opencontainers.image.title=${var.image}",
    "LABEL org.opencontainers.image.version=${var.version}",
    "LABEL org.opencontainers.image.revision=${var.git_commit}",
    "LABEL org.opencontainers.image.base.name=${var.base}",
  ]
}

build {
  sources = ["source.docker.debian"]

  provisioner "shell" {
    inline = [
      "echo '${var.image} ${var.version}' > /etc/bake-release",
    ]
  }
}
