# Run by `cmake --install` and by cpack (see install.cmake): the systemd unit, filled in
# with the prefix being installed to. Configuration lives in /etc when the prefix is
# /usr (a package), else in <prefix>/etc.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(LW_UNIT_CONFDIR /etc/leakwatch)
else()
  set(LW_UNIT_CONFDIR "${prefix}/etc/leakwatch")
endif()
set(LW_UNIT_BINDIR "${prefix}/${LW_BINDIR}")
set(LW_UNIT_DATADIR "${prefix}/${LW_DATADIR}/leakwatch")
set(LW_UNIT_DOCDIR "${prefix}/${LW_DOCDIR}")
configure_file("${LW_SRC}/scripts/leakwatch.service.in" "${LW_STAGE}/leakwatch.service" @ONLY)
file(INSTALL "${LW_STAGE}/leakwatch.service" DESTINATION "${prefix}/lib/systemd/system")
file(INSTALL "${LW_SRC}/scripts/etc-rules-README" DESTINATION "${LW_UNIT_CONFDIR}/rules"
     RENAME README)
