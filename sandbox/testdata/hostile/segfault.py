# Dereferences a null pointer: a signal the harness did not send.
import ctypes
ctypes.string_at(0)
