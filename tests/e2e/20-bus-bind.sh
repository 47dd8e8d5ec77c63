#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# The bus with a real parent and a real driver: devices from
# vdpa_test_parent bind to vdpa_test_driver, negotiate, and follow sysfs
# unbind/bind/driver_override; bad requests fail with the right errno and
# change nothing; unloading the parent removes its devices.
set -u
. "$(dirname "$0")/../lib/tap.sh"

parent=/sys/kernel/debug/vdpa_test_parent
drvdbg=/sys/kernel/debug/vdpa_test_driver
bus=/sys/bus/vdpa
drv=$bus/drivers/vdpa_test_driver

bound_to() { basename "$(readlink "$bus/devices/$1/driver" 2>/dev/null)"; }
count() { cat "$drvdbg/$1"; }

tap_plan 24

tap_run "load parent and driver" modprobe -a vdpa_test_parent vdpa_test_driver
tap_run "add device t0" bash -c "echo t0 > $parent/add"
tap_run "t0 is on the bus" test -e $bus/devices/t0
tap_is "$(bound_to t0)" vdpa_test_driver "t0 bound to vdpa_test_driver"
tap_run "driver negotiated FEATURES_OK and VERSION_1 on t0" \
	grep -qx 't0 device_id=1 vendor_id=0x0 nvqs=3 status=0x0b features=0x100000000' \
	$drvdbg/devices
tap_run "uevent carries the virtio device id" \
	grep -qx 'VDPA_DEVICE_ID=1' $bus/devices/t0/uevent

tap_fails_with "duplicate name is refused (EEXIST)" 'File exists' \
	bash -c "echo t0 > $parent/add"
tap_fails_with "name with '/' is refused (EINVAL)" 'Invalid argument' \
	bash -c "echo a/b > $parent/add"
tap_is "$(ls $bus/devices | tr '\n' ' ')" "t0 " "refused requests left only t0"

tap_run "unbind t0 through sysfs" bash -c "echo t0 > $drv/unbind"
tap_is "$(bound_to t0)/$(count removes)" "/1" "t0 unbound, remove ran once"
tap_run "bind t0 through sysfs" bash -c "echo t0 > $drv/bind"
tap_is "$(bound_to t0)/$(count probes)" "vdpa_test_driver/2" "t0 bound again, probe ran twice"

echo t0 > $drv/unbind
echo nosuchdriver > $bus/devices/t0/driver_override
echo t0 > $bus/drivers_probe 2>/dev/null
tap_is "$(bound_to t0)" "" "driver_override to another driver keeps t0 unbound"
tap_fails_with "explicit bind against the override fails" 'No such device' \
	bash -c "echo t0 > $drv/bind"
echo vdpa_test_driver > $bus/devices/t0/driver_override
echo t0 > $bus/drivers_probe
tap_is "$(bound_to t0)" vdpa_test_driver "driver_override naming the driver binds it"
echo > $bus/devices/t0/driver_override
tap_is "$(cat $bus/devices/t0/driver_override)" "(null)" "driver_override cleared"

echo t0 > $drv/unbind
echo 1 > $drvdbg/fail_probe
tap_fails_with "injected probe failure fails the bind" 'Input/output error' \
	bash -c "echo t0 > $drv/bind"
tap_run "the failure says it was injected" \
	sh -c 'dmesg | grep -q "t0: probe failed: injected by fail_probe"'
tap_run "bind works again after the one-shot failure" bash -c "echo t0 > $drv/bind"

tap_run "add t1, delete t0" bash -c "echo t1 > $parent/add && echo t0 > $parent/del"
tap_is "$(ls $bus/devices | tr '\n' ' ')" "t1 " "only t1 left"
tap_run "unloading the parent removes t1 and unbinds it" \
	sh -c "rmmod vdpa_test_parent && test -z \"\$(ls $bus/devices)\" && \
	       test \"\$(cat $drvdbg/removes)\" = \"\$(cat $drvdbg/probes)\""
tap_run "unload driver and bus" rmmod vdpa_test_driver vdpa
tap_done
