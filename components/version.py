"""The release of ims-callbacks: the one version of the plugin, its schema and the SDKs."""

VERSION = "0.3.0"
