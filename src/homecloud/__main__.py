from homecloud.cli.main import main

main()
