# Test stand-in for the OpenWrt SDK's include/package.mk, enough to run a package Makefile's
# recipes the way the SDK expands them: Build/Prepare, Build/Configure and Build/Compile are
# pasted into rules that go through $(eval) (so a shell variable needs $$$$ in them, as in the
# SDK), and Package/<name>/install is called with the package's install root as $(1).
#
#   make -C <package dir> TOPDIR=<this dir> INCLUDE_DIR=<this dir> BUILD_DIR=<tmp> compile
#     runs Prepare/Configure/Compile, then install into $(BUILD_DIR)/ipkg-all/<name>
#   make ... dumpinfo   prints the package fields and the conffiles
#
# Not the SDK: no feeds, no dependency resolution, no .ipk/.apk packing (package-pack.mk).
PKG_BUILD_DIR ?= $(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)

define Build/DefaultTargets
$(PKG_BUILD_DIR)/.prepared:
	@rm -rf $(PKG_BUILD_DIR)
	@mkdir -p $(PKG_BUILD_DIR)
	$(Build/Prepare)
	touch $$@

$(PKG_BUILD_DIR)/.configured: $(PKG_BUILD_DIR)/.prepared
	$(Build/Configure)
	touch $$@

$(PKG_BUILD_DIR)/.built: $(PKG_BUILD_DIR)/.configured
	$(Build/Compile)
	touch $$@
endef

define BuildTarget/standin
compile: $(PKG_BUILD_DIR)/.built
	rm -rf $(BUILD_DIR)/ipkg-all/$(1)
	mkdir -p $(BUILD_DIR)/ipkg-all/$(1)
	$(call Package/$(1)/install,$(BUILD_DIR)/ipkg-all/$(1))

dumpinfo:
	@echo 'Package: $(1)'
	@echo 'Section: $(SECTION)'
	@echo 'Category: $(CATEGORY)'
	@echo 'Title: $(TITLE)'
	@echo 'Depends: $(DEPENDS)'
	@echo 'Pkgarch: $(PKGARCH)'
	@echo 'Conffiles: $(strip $(Package/$(1)/conffiles))'
endef

define BuildPackage
  $(eval $(Package/$(1)))
  $(eval $(call Build/DefaultTargets))
  $(eval $(call BuildTarget/standin,$(1)))
endef

.PHONY: compile dumpinfo
