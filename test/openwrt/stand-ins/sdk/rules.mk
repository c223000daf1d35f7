# Test stand-in for the OpenWrt SDK's rules.mk: only what a PKGARCH:=all package Makefile uses,
# with the modes of the real install macros (INSTALL_BIN 0755, INSTALL_DATA 0644,
# INSTALL_CONF 0600).
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
CP:=cp -fpR
