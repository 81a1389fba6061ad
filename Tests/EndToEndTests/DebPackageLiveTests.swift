import CalltapTestSupport
import Foundation
import Testing

/// deploy/debian/build-deb.sh, as `make deb` runs it, on the binary this test build has (the
/// debug one, so the package ships the toolchain's Swift runtime in /usr/lib/calltap; `make deb`
/// links it statically), gzip -1. The package is installed with `dpkg --root` into an empty root
/// (its own admin directory; a passwd and group to add the user to): no chroot, so
/// `--force-script-chrootless`, under which the maintainer scripts see `DPKG_ROOT` and work on
/// that root's files (useradd --prefix, deb-systemd-helper) and start nothing on this machine.
/// Needs root (dpkg, unshare, mount), dpkg-dev, patchelf and binutils (`make test` installs them).
@Suite(.serialized) struct DebPackageLiveTests {
    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs a command to its end; standard output and error together.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @discardableResult
    static func succeed(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let outcome = try run(arguments, environment: environment)
        guard outcome.status == 0 else {
            throw TestSupportError("\(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.output)")
        }
        return outcome.output
    }

    /// The package that owns a file, as dpkg lists it: under /lib or /usr/lib (merged /usr), by either name of a link.
    static func owner(of path: String) throws -> String? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        for form in [path, resolved] {
            for candidate in [form, form.hasPrefix("/usr/") ? String(form.dropFirst(4)) : "/usr" + form] {
                let outcome = try run(["dpkg-query", "-S", candidate])
                if outcome.status == 0 { return String(outcome.output.prefix { $0 != ":" && $0 != "," }) }
            }
        }
        return nil
    }

    /// A root with nothing but what dpkg and useradd need to start from.
    static func emptyRoot() throws -> String {
        let root = RepositoryPaths.temporaryDirectory("calltap-deb-root")
        for dir in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log", "etc"] {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for (file, text) in [("var/lib/dpkg/status", ""), ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
                             ("etc/group", "root:x:0:\n"), ("etc/shadow", "root:*:19000:0:99999:7:::\n"),
                             ("etc/gshadow", "root:*::\n")] {
            try text.write(toFile: root + "/" + file, atomically: true, encoding: .utf8)
        }
        return root
    }

    @discardableResult
    static func install(_ deb: String, into root: String) throws -> String {
        // --force-depends: the empty root has none of the libraries; this machine has them. No
        // --force-conf*: were dpkg to ask about the conffile, reading /dev/null would fail the install.
        try succeed(["dpkg", "--root=\(root)", "--force-script-chrootless", "--force-depends", "-i", deb])
    }

    /// `calltap ARGS` as installed under `root`, in a mount namespace where /opt/swift (the
    /// toolchain) is an empty tmpfs and without LD_LIBRARY_PATH.
    static func runWithoutToolchain(_ command: String, root: String) throws -> Outcome {
        try run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /opt/swift && " + command],
                environment: ["LD_LIBRARY_PATH": "", "CALLTAP_ROOT": root])
    }

    @Test func thePackageInstallsWhereThingsBelongAndRunsWithoutTheToolchain() async throws {
        let binary = CalltapProcess.binary
        let version = try #require(try Self.succeed([binary, "--version"]).split(separator: "\n").first.map(String.init))
        let out = RepositoryPaths.temporaryDirectory("calltap-deb")
        let script = RepositoryPaths.root.appendingPathComponent("deploy/debian/build-deb.sh").path
        let built = try Self.succeed([script, "--fast", binary, out])
        let deb = try #require(built.split(separator: "\n").last.map(String.init))
        #expect(deb.hasSuffix("/calltap_\(version)_amd64.deb") || deb.hasSuffix("/calltap_\(version)_arm64.deb"), "\(deb)")
        #expect(try Self.succeed(["dpkg-deb", "-f", deb, "Version"]).trimmingCharacters(in: .whitespacesAndNewlines) == version)
        let depends = try Self.succeed(["dpkg-deb", "-f", deb, "Depends"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let dependedOn = Set(depends.split(separator: ",").map {
            String($0.trimmingCharacters(in: .whitespaces).prefix { $0 != " " && $0 != "(" })
        })

        let root = try Self.emptyRoot()
        try Self.install(deb, into: root)
        let fm = FileManager.default

        // Where things belong.
        #expect(fm.isExecutableFile(atPath: root + "/usr/bin/calltap"))
        for file in ["/etc/calltap/calltap.yaml", "/lib/systemd/system/calltap.service",
                     "/usr/share/bash-completion/completions/calltap", "/usr/share/zsh/vendor-completions/_calltap",
                     "/usr/share/fish/vendor_completions.d/calltap.fish", "/usr/share/doc/calltap/copyright",
                     "/usr/share/doc/calltap/changelog.gz"] {
            #expect(fm.fileExists(atPath: root + file), "\(file) is not installed")
        }
        let bash = try String(contentsOfFile: root + "/usr/share/bash-completion/completions/calltap", encoding: .utf8)
        #expect(bash.contains("check-config") && bash.contains("-F _calltap calltap"), "bash completion: \(bash.prefix(200))")
        #expect(!bash.hasPrefix("#!"), "bash-completion sources the file: no #! line")
        let fish = try String(contentsOfFile: root + "/usr/share/fish/vendor_completions.d/calltap.fish", encoding: .utf8)
        #expect(fish.contains("complete -c 'calltap'") && fish.contains("serve"))
        let zsh = try String(contentsOfFile: root + "/usr/share/zsh/vendor-completions/_calltap", encoding: .utf8)
        #expect(zsh.hasPrefix("#compdef calltap"))
        let changelog = try Self.succeed(["sh", "-c", "gzip -dc \"$0\"", root + "/usr/share/doc/calltap/changelog.gz"])
        #expect(changelog.hasPrefix("calltap (\(version)) unstable; urgency=medium"), "\(changelog)")

        // The default configuration: the storage root the package made, a conffile dpkg knows.
        let config = try String(contentsOfFile: root + "/etc/calltap/calltap.yaml", encoding: .utf8)
        #expect(config.contains("\n  root: /var/lib/calltap\n"))
        let admin = ["--admindir=\(root)/var/lib/dpkg"]
        let md5 = try Self.succeed(["md5sum", root + "/etc/calltap/calltap.yaml"]).prefix(32)
        let conffiles = try Self.succeed(["dpkg-query"] + admin + ["-W", "-f=${Conffiles}", "calltap"])
        #expect(conffiles.trimmingCharacters(in: .whitespacesAndNewlines) == "/etc/calltap/calltap.yaml \(md5)", "\(conffiles)")
        #expect(try Self.succeed(["dpkg-query"] + admin + ["-W", "-f=${Status}", "calltap"]) == "install ok installed")

        // The system user, the storage root it owns, the service enabled (not started: there is no systemd here).
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)
        let user = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("calltap:") }?.split(separator: ":", omittingEmptySubsequences: false))
        let uid = try #require(Int(user[2]))
        #expect(uid > 0 && uid < 1000, "a system user: \(user)")
        #expect(user[5] == "/var/lib/calltap" && user[6] == "/usr/sbin/nologin", "\(user)")
        let storage = try fm.attributesOfItem(atPath: root + "/var/lib/calltap")
        #expect((storage[.ownerAccountID] as? NSNumber)?.intValue == uid)
        #expect((storage[.posixPermissions] as? NSNumber)?.intValue == 0o750)
        let wants = root + "/etc/systemd/system/multi-user.target.wants/calltap.service"
        #expect(try fm.destinationOfSymbolicLink(atPath: wants) == "/lib/systemd/system/calltap.service")

        // The installed binary, the toolchain hidden: its libraries come from the package and Debian only.
        let ldd = try Self.runWithoutToolchain("ldd \"$CALLTAP_ROOT/usr/bin/calltap\"", root: root)
        #expect(ldd.status == 0, "\(ldd.output)")
        #expect(!ldd.output.contains("/opt/swift") && !ldd.output.contains("not found"), "\(ldd.output)")
        let shipped = (try? fm.contentsOfDirectory(atPath: root + "/usr/lib/calltap")) ?? []
        let needed = try Self.succeed(["objdump", "-p", root + "/usr/bin/calltap"]).split(separator: "\n")
            .filter { $0.contains("NEEDED") }.compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(needed.contains("libpcap.so.0.8"))
        if needed.contains("libswiftCore.so") {
            // This (debug) binary links the runtime dynamically: the package's copy is what loads.
            #expect(shipped.contains("libswiftCore.so") && shipped.contains("libFoundation.so"), "\(shipped)")
            #expect(ldd.output.contains("libswiftCore.so => \(root)/usr/bin/../lib/calltap/libswiftCore.so"), "\(ldd.output)")
        }
        let versionRun = try Self.runWithoutToolchain("\"$CALLTAP_ROOT/usr/bin/calltap\" --version", root: root)
        #expect(versionRun.status == 0 && versionRun.output == version + "\n", "\(versionRun.output)")
        let check = try Self.runWithoutToolchain("\"$CALLTAP_ROOT/usr/bin/calltap\" check-config \"$CALLTAP_ROOT/etc/calltap/calltap.yaml\"", root: root)
        #expect(check.status == 0 && check.output.contains("calltap.yaml: valid (0 agents, capture on eth1"), "\(check.output)")

        // Depends names the package of every library the binary and the shipped ones need that the package does not ship.
        var libraries = Set(needed)
        for library in shipped {
            for line in try Self.succeed(["objdump", "-p", root + "/usr/lib/calltap/" + library]).split(separator: "\n") where line.contains("NEEDED") {
                if let name = line.split(separator: " ").last { libraries.insert(String(name)) }
            }
        }
        for library in libraries.subtracting(shipped).sorted() {
            let path = try #require(ldd.output.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if fields.count >= 3, fields[0] == library, fields[1] == "=>" { return String(fields[2]) }
                if let first = fields.first, first.hasSuffix("/" + library) { return String(first) }
                return nil
            }.first, "\(library) is not in ldd's output")
            let package = try #require(try Self.owner(of: path), "no package owns \(path)")
            #expect(dependedOn.contains(package), "\(library) (\(package)) is not in Depends: \(depends)")
        }

        // systemd 252's verify, in a mount namespace where the installed binary is in /usr/bin
        // (an overlay: ExecStart must exist); --man=no, as this machine's man has no calltap(1).
        let unit = root + "/lib/systemd/system/calltap.service"
        let verify = try Self.run(["unshare", "--mount", "sh", "-c",
                                   "mount -t overlay overlay -o lowerdir=\"$CALLTAP_ROOT/usr/bin:/usr/bin\" /usr/bin && systemd-analyze verify --man=no \"$0\"",
                                   unit], environment: ["CALLTAP_ROOT": root])
        // It exits 0 on a misspelt setting too: only silence means the unit is clean.
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
        let service = try String(contentsOfFile: unit, encoding: .utf8)
        for line in ["Type=notify", "ExecStart=/usr/bin/calltap serve --config /etc/calltap/calltap.yaml", "User=calltap",
                     "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN", "ExecReload=/bin/kill -HUP $MAINPID", "ReadWritePaths=/var/lib/calltap"] {
            #expect(service.contains("\n" + line + "\n"), "the unit has no '\(line)'")
        }
        #expect(service.contains("\nWatchdogSec="))

        // Installed again over itself (an upgrade's path): the edited conffile stays, the user is not made twice.
        let edited = config.replacingOccurrences(of: "interfaces: [eth1]", with: "interfaces: [ens5]")
        #expect(edited != config)
        try edited.write(toFile: root + "/etc/calltap/calltap.yaml", atomically: false, encoding: .utf8)
        try Self.install(deb, into: root)
        #expect(try String(contentsOfFile: root + "/etc/calltap/calltap.yaml", encoding: .utf8) == edited)
        let users = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("calltap:") }
        #expect(users.count == 1)

        // Removed: the files go, the conffile and the recordings stay; purged: the conffile goes, the recordings stay.
        try "".write(toFile: root + "/var/lib/calltap/calltap.sqlite", atomically: false, encoding: .utf8)
        try Self.succeed(["dpkg", "--root=\(root)", "--force-script-chrootless", "-r", "calltap"])
        #expect(!fm.fileExists(atPath: root + "/usr/bin/calltap"))
        #expect(fm.fileExists(atPath: root + "/etc/calltap/calltap.yaml"))
        try Self.succeed(["dpkg", "--root=\(root)", "--force-script-chrootless", "--purge", "calltap"])
        #expect(!fm.fileExists(atPath: root + "/etc/calltap/calltap.yaml"))
        #expect(fm.fileExists(atPath: root + "/var/lib/calltap/calltap.sqlite"))
        try? fm.removeItem(atPath: root)
        try? fm.removeItem(atPath: out)
    }
}
