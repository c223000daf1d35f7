# shellcheck shell=sh
# The NMCDDNS_* results are read by the files that source this one:
# shellcheck disable=SC2034
#
# /usr/lib/nmcddns/uci.sh: what the init script and the hotplug hook need from
# /etc/config/nmcddns, read in one place. Sourced after /lib/functions.sh.
#
# nmcddns_load sets:
#   NMCDDNS_SECTION         the first section of type nmcddns (normally 'main'), the one the
#                           agent reads too (docs/config.md); empty when there is none
#   NMCDDNS_ENABLED         1 or 0 (option enabled, default 0)
#   NMCDDNS_CHECK_INTERVAL  option check_interval as written (minutes, default 30)
#   NMCDDNS_STATE_DIR       option state_dir (default /var/run/nmcddns): where a run leaves
#                           retry_at, the time min_interval lets the next transaction go
#   NMCDDNS_IFACES          netifd interfaces to watch, space separated: ip4_interface (default
#                           wan) when ip4_source is ubus (the default), ip6_interface (default
#                           wan6) when ip6_source is ubus; each name once
#   NMCDDNS_DEVICES         Linux devices to watch: ip4_interface / ip6_interface when that
#                           family's source is 'interface' (then the option names a device)
# Sources static, script and none watch nothing: their address does not follow an interface
# event, and the periodic check covers them. Returns 1 when the config has no nmcddns section.

_nmcddns_first_section() {
	[ -n "$NMCDDNS_SECTION" ] || NMCDDNS_SECTION=$1
}

# _nmcddns_add VAR WORD: append WORD to the space-separated list in VAR unless it is there.
_nmcddns_add() {
	_nmcddns_list=
	eval "_nmcddns_list=\" \${$1} \""
	case "$_nmcddns_list" in
		*" $2 "*) ;;
		*) eval "$1=\"\${$1:+\${$1} }\$2\"" ;;
	esac
}

# _nmcddns_watch FAMILY DEFAULT_INTERFACE
_nmcddns_watch() {
	_nmcddns_source=
	_nmcddns_iface=
	config_get _nmcddns_source "$NMCDDNS_SECTION" "${1}_source" ubus
	config_get _nmcddns_iface "$NMCDDNS_SECTION" "${1}_interface" "$2"
	case "$_nmcddns_source" in
		ubus) _nmcddns_add NMCDDNS_IFACES "$_nmcddns_iface" ;;
		interface) _nmcddns_add NMCDDNS_DEVICES "$_nmcddns_iface" ;;
	esac
}

nmcddns_load() {
	NMCDDNS_SECTION=
	NMCDDNS_ENABLED=0
	NMCDDNS_CHECK_INTERVAL=30
	NMCDDNS_STATE_DIR=/var/run/nmcddns
	NMCDDNS_IFACES=
	NMCDDNS_DEVICES=
	config_load nmcddns
	config_foreach _nmcddns_first_section nmcddns
	[ -n "$NMCDDNS_SECTION" ] || return 1
	config_get_bool NMCDDNS_ENABLED "$NMCDDNS_SECTION" enabled 0
	config_get NMCDDNS_CHECK_INTERVAL "$NMCDDNS_SECTION" check_interval 30
	config_get NMCDDNS_STATE_DIR "$NMCDDNS_SECTION" state_dir /var/run/nmcddns
	_nmcddns_watch ip4 wan
	_nmcddns_watch ip6 wan6
	return 0
}
