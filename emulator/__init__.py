"""Local emulator of the Alibaba Cloud IMS (ICE 2020-11-09) callback API and the MNS
management API (mns-open 2022-01-19), spoken by the unmodified official SDKs.

See docs/emulator.md (usage) and docs/api-contract.md (every emulated rule and its source).
"""
