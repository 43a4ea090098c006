"""What travels between PCs on a USB stick: signed update packages and backups, and the safe
reading of the zip files they are made of."""
