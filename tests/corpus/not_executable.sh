#!/bin/sh
echo A=1
