"""ims-callbacks: declarative Alibaba Cloud IMS event callbacks."""
