"""What this project assumes about the real IMS API where the documentation is silent.

Shared by the emulator (which answers by it) and the contract runner (which checks it against
a real account); owned by neither. The rules themselves are in docs/api-contract.md.
"""
