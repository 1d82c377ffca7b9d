"""The contacts section (D-20): named cadences (who must contact a big client, how often)
that routing rows assign, and the automatic occasions a client system plans."""
