"""``python -m components.provider <engine>``: what ``provider/pulumi-resource-ims`` runs."""

from components.provider.server import main

main()
