#!/usr/bin/env bash
echo "daemon: 0 passed, 0 failed"
