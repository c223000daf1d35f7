# shellcheck shell=sh
# Test stand-in for OpenWrt's /lib/functions.sh: only its UCI part, the functions the nmcddns
# shell files call (config_load, config_get, config_get_bool, config_foreach), with the same
# semantics as base-files' version:
#   - config_get VAR SECTION OPTION [DEFAULT]: an empty or missing option gives DEFAULT; a
#     section or option name with characters other than [A-Za-z0-9_] sets nothing;
#   - config_get_bool maps 1/on/true/yes/enabled to 1 and 0/off/false/no/disabled to 0, anything
#     else to DEFAULT;
#   - config_foreach FUNCTION TYPE calls FUNCTION SECTION for each section of TYPE, in file order;
#   - sections without a name are called cfgN.
# config_load evaluates /etc/config/NAME directly: the UCI file syntax is shell syntax for the
# config/option/list commands defined here (the real config_load evaluates `uci export`, which
# prints the same commands). It returns 1 when the file does not exist, as uci_load does.

config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-cfg$CONFIG_NUM_SECTIONS}
	CONFIG_SECTIONS="${CONFIG_SECTIONS:+$CONFIG_SECTIONS }$CONFIG_SECTION"
	eval "CONFIG_${CONFIG_SECTION}_TYPE=\$1"
}

option() {
	_standin_name=$1
	shift
	eval "CONFIG_${CONFIG_SECTION}_${_standin_name}=\$*"
}

list() {
	_standin_name=$1
	shift
	eval "CONFIG_${CONFIG_SECTION}_${_standin_name}=\"\${CONFIG_${CONFIG_SECTION}_${_standin_name}:+\${CONFIG_${CONFIG_SECTION}_${_standin_name}} }\$*\""
}

package() {
	return 0
}

config_load() {
	CONFIG_SECTIONS=
	CONFIG_SECTION=
	CONFIG_NUM_SECTIONS=0
	[ -f "/etc/config/$1" ] || return 1
	# shellcheck source=/dev/null
	. "/etc/config/$1"
}

config_get() {
	case "$2${3:-$1}" in
		*[!A-Za-z0-9_]*) return 0 ;;
	esac
	if [ -z "$3" ]; then
		eval "echo \"\${CONFIG_${1}_${2}}\""
	else
		eval "$1=\${CONFIG_${2}_${3}:-\$4}"
	fi
}

config_get_bool() {
	config_get _standin_bool "$2" "$3" "$4"
	case "$_standin_bool" in
		1 | on | true | yes | enabled) _standin_bool=1 ;;
		0 | off | false | no | disabled) _standin_bool=0 ;;
		*) _standin_bool=$4 ;;
	esac
	eval "$1=\$_standin_bool"
}

config_foreach() {
	_standin_function=$1
	_standin_type=$2
	for _standin_section in $CONFIG_SECTIONS; do
		_standin_cfgtype=
		config_get _standin_cfgtype "$_standin_section" TYPE
		[ -n "$_standin_type" ] && [ "$_standin_cfgtype" != "$_standin_type" ] && continue
		"$_standin_function" "$_standin_section"
	done
	return 0
}
