# shellcheck shell=sh
# Test stand-in for procd's shell helpers (/lib/functions/procd.sh, which rc.common loads for a
# USE_PROCD init script): every helper an init script may call appends one line to
# $PROCD_RECORD, its name and its arguments separated by tabs, instead of building the JSON
# for `ubus call service set`. A helper missing here fails the run with "not found".
_procd_record() {
	{
		printf '%s' "$1"
		shift
		for _procd_arg in "$@"; do
			printf '\t%s' "$_procd_arg"
		done
		printf '\n'
	} >>"${PROCD_RECORD:-/tmp/procd-calls}"
}

procd_open_service() { _procd_record procd_open_service "$@"; }
procd_close_service() { _procd_record procd_close_service "$@"; }
procd_open_instance() { _procd_record procd_open_instance "$@"; }
procd_close_instance() { _procd_record procd_close_instance "$@"; }
procd_set_param() { _procd_record procd_set_param "$@"; }
procd_append_param() { _procd_record procd_append_param "$@"; }
procd_open_trigger() { _procd_record procd_open_trigger "$@"; }
procd_close_trigger() { _procd_record procd_close_trigger "$@"; }
procd_add_reload_trigger() { _procd_record procd_add_reload_trigger "$@"; }
procd_add_config_trigger() { _procd_record procd_add_config_trigger "$@"; }
procd_add_interface_trigger() { _procd_record procd_add_interface_trigger "$@"; }
procd_add_reload_interface_trigger() { _procd_record procd_add_reload_interface_trigger "$@"; }
procd_add_raw_trigger() { _procd_record procd_add_raw_trigger "$@"; }
procd_add_validation() { _procd_record procd_add_validation "$@"; }
procd_kill() { _procd_record procd_kill "$@"; }
procd_send_signal() { _procd_record procd_send_signal "$@"; }
