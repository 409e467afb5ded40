"""What a build leaves behind: dumps, their description (VoID, DCAT-AP), the local release
(a symlink switched atomically) and the load into a remote engine (``achat-graph publish``).
"""
