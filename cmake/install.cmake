# What `cmake --install build [--prefix P]` puts where, and the Debian package
# (`cpack -G DEB` in the build directory) made of the same files. The binary finds
# the rule data at <bin>/../share/leakwatch (cli/paths.h), so the tree may move whole.

# The rule data, as one folder (issue 12: data/ apart from the code).
install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/leakwatch)

# User references and the sample the README walks through.
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        PATTERN "*.1" EXCLUDE PATTERN "*.5" EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/docs/leakwatch.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/docs/leakwatch-files.5
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# leakwatch-report looks for its templates and lw-consume.py beside itself, else in
# ../share/leakwatch, and for the rule data in ../share/leakwatch.
install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/leakwatch-report
        DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/lw-consume.py
        DESTINATION ${CMAKE_INSTALL_DATADIR}/leakwatch)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scripts/report
        DESTINATION ${CMAKE_INSTALL_DATADIR}/leakwatch)

install(FILES ${CMAKE_SOURCE_DIR}/scripts/leakwatch.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME leakwatch)

# The systemd unit with the paths of the installation, and the (empty) directory its
# second --rules layer names. Written at install time, not configure time: `--prefix`
# and the Debian package's /usr are only known then.
install(CODE "set(LW_SRC \"${CMAKE_SOURCE_DIR}\")
  set(LW_STAGE \"${CMAKE_BINARY_DIR}/install-unit\")
  set(LW_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(LW_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
  set(LW_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  include(\"${CMAKE_SOURCE_DIR}/cmake/install-unit.cmake\")")

set(CPACK_PACKAGE_NAME leakwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "leakwatch")
set(CPACK_PACKAGE_CONTACT "leakwatch maintainers <leakwatch@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "network privacy inspector: personal identifiers leaving lab devices")
set(CPACK_PACKAGE_DESCRIPTION "leakwatch reads captures of phones and IoT devices under \
test (pcap files or live interfaces), finds their identifiers in every form SDKs send \
them, attributes each to the SDK that received it and judges it against the app's \
privacy policy. Events are JSON lines (file, stdout or a Redis stream).")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The libraries the binary links, as dpkg-shlibdeps finds them on the build machine
# (libpcap, libndpi, libhyperscan, hiredis, yaml, jansson, libssl, zlib, nghttp2).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# leakwatch-report: Python with jinja2 for the HTML page.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-jinja2")
# A package installs under /usr whatever prefix the build was configured with; the
# unit gets /usr paths and /etc/leakwatch (install-unit.cmake).
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Files under /etc are the admin's once installed: dpkg keeps local edits on upgrade.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/cmake/deb/conffiles)
include(CPack)
